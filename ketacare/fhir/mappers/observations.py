"""Observation: questionnaire scores (measures' own FHIR shape), vital signs per US Core, body weight.

Sources, in search order: `score-<response>` (every submitted questionnaire, CADSS and MOAA/S ratings
with their session as the encounter), `bp-`, `hr-`, `spo2-`, `rr-<vital sign row>` (one set of vital
signs taken at the chair gives up to four US Core observations), `weight-<row>` (the chart's weights),
`history-<row>` (PHQ-9/GAD-7 totals imported from another system without their answers, searched
right after the scores).
"""

from django.db.models import Q

from ketacare.accounts.domain.roles import Permission
from ketacare.fhir.domain import codes
from ketacare.fhir.domain.search import Token
from ketacare.fhir.mappers import coding, concept, instant, reference, with_meta, without_empty
from ketacare.fhir.mappers.filters import date_filter, fixed_token, token_filter
from ketacare.fhir.registry import PATIENT_PARAM, ResourceType, Scope, SearchParam, Source, register
from ketacare.measures.domain import fhir as measures_fhir
from ketacare.measures.domain.library import INSTRUMENTS
from ketacare.measures.domain.scoring import ScoreResult
from ketacare.measures.models import ExternalScore, QuestionnaireResponse, ResponseStatus
from ketacare.patients.models import WeightMeasurement
from ketacare.treatments.models import VitalSign

SURVEY = {codes.OBSERVATION_CATEGORY: {"survey"}}
VITAL_SIGNS = {codes.OBSERVATION_CATEGORY: {"vital-signs"}}
VITAL_SIGNS_CATEGORY = concept(codes.OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")


def encounter_of_session(session_id: int) -> dict:
    return reference("Encounter", f"session-{session_id}")


# ------------------------------------------------------------------ questionnaire scores


def submitted_responses(scope: Scope):
    return QuestionnaireResponse.objects.filter(
        patient__organisation_id=scope.organisation_id,
        patient__merged_into__isnull=True,
        status=ResponseStatus.SUBMITTED,
    ).select_related("patient", "treatment_session_rating")


def score_resource(response: QuestionnaireResponse, scope: Scope) -> dict:
    result = ScoreResult(
        instrument=response.instrument,
        total=response.total,
        severity=response.severity or None,
        subscales=dict(response.subscales),
        flags=list(response.flags),
    )
    resource = measures_fhir.score_observation(
        result,
        patient_id=str(response.patient_id),
        effective=response.submitted_at,
        questionnaire_response_id=str(response.pk),
        observation_id=f"score-{response.pk}",
    )
    rating = getattr(response, "treatment_session_rating", None)
    if rating is not None:
        resource["encounter"] = encounter_of_session(rating.session_id)
    return resource


def _instrument_codes(token: Token) -> Q:
    matching = [
        instrument.code
        for instrument in INSTRUMENTS.values()
        if (token.system in (None, codes.LOINC) and instrument.loinc_total == token.code)
        or (token.system in (None, measures_fhir.INSTRUMENT_SYSTEM) and instrument.code == token.code)
    ]
    return Q(instrument__in=matching)


SCORES = Source(
    key="score",
    rows=submitted_responses,
    to_resource=score_resource,
    permission=Permission.MEASURES_VIEW,
    filters={
        "category": fixed_token("category", SURVEY),
        "code": token_filter("code", _instrument_codes),
        "date": date_filter("date", "submitted_at"),
    },
)

# ------------------------------------------------------------------ vital signs at the chair


def _quantity(value, unit: str, ucum: str) -> dict:
    return {"value": value, "unit": unit, "system": codes.UCUM, "code": ucum}


def _vital_base(vital: VitalSign, key: str, profile: str, code: dict) -> dict:
    return with_meta(
        {
            "resourceType": "Observation",
            "id": f"{key}-{vital.pk}",
            "status": "final",
            "category": [VITAL_SIGNS_CATEGORY],
            "code": code,
            "subject": reference("Patient", vital.session.patient_id),
            "encounter": encounter_of_session(vital.session_id),
            "effectiveDateTime": instant(vital.recorded_at),
            "performer": [reference("Practitioner", vital.recorded_by_id)],
        },
        profile,
    )


def blood_pressure_resource(vital: VitalSign, scope: Scope) -> dict:
    resource = _vital_base(
        vital,
        "bp",
        codes.PROFILE_BLOOD_PRESSURE,
        concept(codes.LOINC, codes.LOINC_BP_PANEL, "Blood pressure panel with all children optional", "Blood pressure"),
    )
    resource["component"] = [
        {
            "code": concept(codes.LOINC, codes.LOINC_SYSTOLIC, "Systolic blood pressure"),
            "valueQuantity": _quantity(vital.systolic_mmhg, "mmHg", "mm[Hg]"),
        },
        {
            "code": concept(codes.LOINC, codes.LOINC_DIASTOLIC, "Diastolic blood pressure"),
            "valueQuantity": _quantity(vital.diastolic_mmhg, "mmHg", "mm[Hg]"),
        },
    ]
    return resource


def heart_rate_resource(vital: VitalSign, scope: Scope) -> dict:
    resource = _vital_base(
        vital, "hr", codes.PROFILE_HEART_RATE, concept(codes.LOINC, codes.LOINC_HEART_RATE, "Heart rate", "Heart rate")
    )
    resource["valueQuantity"] = _quantity(vital.heart_rate_bpm, "beats/minute", "/min")
    return resource


def oxygen_saturation_resource(vital: VitalSign, scope: Scope) -> dict:
    code = {
        "coding": [
            coding(codes.LOINC, codes.LOINC_SPO2, "Oxygen saturation in Arterial blood by Pulse oximetry"),
            coding(codes.LOINC, codes.LOINC_SPO2_ARTERIAL, "Oxygen saturation in Arterial blood"),
        ],
        "text": "SpO2",
    }
    resource = _vital_base(vital, "spo2", codes.PROFILE_PULSE_OXIMETRY, code)
    resource["valueQuantity"] = _quantity(vital.spo2_percent, "%", "%")
    return resource


def respiratory_rate_resource(vital: VitalSign, scope: Scope) -> dict:
    resource = _vital_base(
        vital,
        "rr",
        codes.PROFILE_RESPIRATORY_RATE,
        concept(codes.LOINC, codes.LOINC_RESPIRATORY_RATE, "Respiratory rate", "Respiratory rate"),
    )
    resource["valueQuantity"] = _quantity(vital.respiratory_rate_per_min, "breaths/minute", "/min")
    return resource


def vital_signs(scope: Scope):
    return VitalSign.objects.filter(
        session__organisation_id=scope.organisation_id, session__patient__merged_into__isnull=True
    ).select_related("session__patient")


def _vital_source(key: str, to_resource, loinc: set[str], *, rows=vital_signs) -> Source:
    return Source(
        key=key,
        rows=rows,
        to_resource=to_resource,
        patient_path="session__patient",
        # Vital signs are read on the session chart (front desk does not see it).
        permission=Permission.SESSION_VIEW,
        filters={
            "category": fixed_token("category", VITAL_SIGNS),
            "code": fixed_token("code", {codes.LOINC: loinc}),
            "date": date_filter("date", "recorded_at"),
        },
    )


# ------------------------------------------------------------------ body weight on the chart


def body_weight_resource(weight: WeightMeasurement, scope: Scope) -> dict:
    resource = {
        "resourceType": "Observation",
        "id": f"weight-{weight.pk}",
        "status": "final",
        "category": [VITAL_SIGNS_CATEGORY],
        "code": concept(codes.LOINC, codes.LOINC_BODY_WEIGHT, "Body weight", "Body weight"),
        "subject": reference("Patient", weight.patient_id),
        "effectiveDateTime": weight.measured_on.isoformat(),
        "issued": instant(weight.recorded_at),
        "performer": [reference("Practitioner", weight.recorded_by_id)],
        "valueQuantity": _quantity(float(weight.weight_kg), "kg", "kg"),
    }
    return with_meta(without_empty(resource), codes.PROFILE_BODY_WEIGHT)


# ------------------------------------------------------------------ imported historical totals


def historical_score_resource(score: ExternalScore, scope: Scope) -> dict:
    """A total from another system (FHIR import): the score Observation's shape without a response."""
    instrument = INSTRUMENTS[score.instrument]
    band = instrument.band_for(score.total)
    return without_empty(
        {
            "resourceType": "Observation",
            "id": f"history-{score.pk}",
            "status": "final",
            "category": [concept(codes.OBSERVATION_CATEGORY, "survey", "Survey")],
            "code": {
                "coding": [coding(codes.LOINC, instrument.loinc_total, f"{instrument.name} total score")],
                "text": f"{instrument.name} total score",
            },
            "subject": reference("Patient", score.patient_id),
            "effectiveDateTime": instant(score.taken_at),
            "valueInteger": score.total,
            "interpretation": [{"text": band.label}] if band else None,
        }
    )


register(
    ResourceType(
        name="Observation",
        profiles=(
            codes.PROFILE_BLOOD_PRESSURE,
            codes.PROFILE_HEART_RATE,
            codes.PROFILE_PULSE_OXIMETRY,
            codes.PROFILE_RESPIRATORY_RATE,
            codes.PROFILE_BODY_WEIGHT,
        ),
        documentation="Questionnaire totals and subscales (PHQ-9 44261-6, GAD-7 70274-6, others in the KetaCare "
        "instrument code system; CADSS and MOAA/S linked to their session), vital signs taken at the chair, "
        "body weights from the chart.",
        search_params=(
            PATIENT_PARAM,
            SearchParam("category", "token", "survey or vital-signs."),
            SearchParam("code", "token", "A LOINC code (http://loinc.org|44261-6) or a KetaCare instrument code."),
            SearchParam("date", "date", "When it was taken (ge/gt/le/lt/eq prefixes)."),
        ),
        sources=(
            SCORES,
            Source(
                key="history",
                rows=lambda scope: ExternalScore.objects.filter(
                    patient__organisation_id=scope.organisation_id, patient__merged_into__isnull=True
                ).select_related("patient"),
                to_resource=historical_score_resource,
                permission=Permission.MEASURES_VIEW,
                filters={
                    "category": fixed_token("category", SURVEY),
                    "code": token_filter("code", _instrument_codes),
                    "date": date_filter("date", "taken_at"),
                },
            ),
            _vital_source("bp", blood_pressure_resource, {codes.LOINC_BP_PANEL}),
            _vital_source("hr", heart_rate_resource, {codes.LOINC_HEART_RATE}),
            _vital_source("spo2", oxygen_saturation_resource, {codes.LOINC_SPO2, codes.LOINC_SPO2_ARTERIAL}),
            _vital_source(
                "rr",
                respiratory_rate_resource,
                {codes.LOINC_RESPIRATORY_RATE},
                rows=lambda scope: vital_signs(scope).filter(respiratory_rate_per_min__isnull=False),
            ),
            Source(
                key="weight",
                rows=lambda scope: WeightMeasurement.objects.filter(
                    patient__organisation_id=scope.organisation_id, patient__merged_into__isnull=True
                ).select_related("patient"),
                to_resource=body_weight_resource,
                permission=Permission.PATIENT_VIEW,
                filters={
                    "category": fixed_token("category", VITAL_SIGNS),
                    "code": fixed_token("code", {codes.LOINC: {codes.LOINC_BODY_WEIGHT}}),
                    "date": date_filter("date", "measured_on", is_date=True),
                },
            ),
        ),
    )
)
