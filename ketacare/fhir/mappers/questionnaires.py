"""Questionnaire (the instrument library) and QuestionnaireResponse (submitted answers): measures' mapping."""

from django.db.models import Q

from ketacare.accounts.domain.roles import Permission
from ketacare.fhir.mappers.filters import any_of, date_filter
from ketacare.fhir.mappers.observations import encounter_of_session, submitted_responses
from ketacare.fhir.registry import (
    PATIENT_PARAM,
    ResourceType,
    Scope,
    SearchParam,
    Source,
    StaticType,
    register,
    register_static,
)
from ketacare.measures.domain import fhir as measures_fhir
from ketacare.measures.domain.library import INSTRUMENTS
from ketacare.measures.models import QuestionnaireResponse

register_static(
    StaticType(
        name="Questionnaire",
        resources=lambda: [measures_fhir.questionnaire(instrument) for instrument in INSTRUMENTS.values()],
        documentation="Every instrument of the library, with LOINC answer codes where LOINC has them "
        "(ids: phq9, gad7, qids-sr16, pcl5, madrs, cssrs, cadss, moaas, bprs...).",
    )
)


def questionnaire_response_resource(response: QuestionnaireResponse, scope: Scope) -> dict:
    instrument = INSTRUMENTS[response.instrument]
    resource = measures_fhir.questionnaire_response(
        instrument,
        [response.answers.get(str(item.number)) for item in instrument.items],
        patient_id=str(response.patient_id),
        authored=response.submitted_at,
        response_id=str(response.pk),
    )
    rating = getattr(response, "treatment_session_rating", None)
    if rating is not None:
        resource["encounter"] = encounter_of_session(rating.session_id)
    return resource


def _questionnaire(value: str) -> Q:
    """By canonical URL or by id (phq9)."""
    identity = value.rstrip("/").rpartition("/")[2].split("|")[0]
    return Q(instrument__in=[code for code in INSTRUMENTS if measures_fhir.resource_id(INSTRUMENTS[code]) == identity])


register(
    ResourceType(
        name="QuestionnaireResponse",
        documentation="Submitted questionnaires (self-report and clinician-rated), amendments as their own "
        "responses; each total is an Observation derived from its response.",
        search_params=(
            PATIENT_PARAM,
            SearchParam("questionnaire", "reference", "The Questionnaire's canonical URL or id (phq9)."),
            SearchParam("authored", "date", "When it was submitted."),
        ),
        sources=(
            Source(
                key="",
                rows=submitted_responses,
                to_resource=questionnaire_response_resource,
                permission=Permission.MEASURES_VIEW,
                filters={
                    "questionnaire": any_of(_questionnaire),
                    "authored": date_filter("authored", "submitted_at"),
                },
            ),
        ),
    )
)
