"""Condition (ICD-10-CM diagnoses), AllergyIntolerance and MedicationStatement: the chart's clinical lists."""

import re

from django.db.models import Q

from ketacare.accounts.domain.roles import Permission
from ketacare.fhir.domain import codes
from ketacare.fhir.domain.search import Token
from ketacare.fhir.mappers import coding, concept, instant, reference, with_meta, without_empty
from ketacare.fhir.mappers.filters import choice_token, fixed_token, token_filter
from ketacare.fhir.registry import PATIENT_PARAM, ResourceType, Scope, SearchParam, Source, register
from ketacare.patients.models import Allergy, Diagnosis, Medication


def _recorder(user) -> dict:
    return reference("Practitioner", user.pk, user.display_name)


def condition_resource(diagnosis: Diagnosis, scope: Scope) -> dict:
    in_error = diagnosis.status == "entered_in_error"
    resource = {
        "resourceType": "Condition",
        "id": str(diagnosis.pk),
        # con-5: no clinical status on a condition entered in error.
        "clinicalStatus": None
        if in_error
        else concept(codes.CONDITION_CLINICAL, "resolved" if diagnosis.status == "resolved" else "active"),
        "verificationStatus": concept(codes.CONDITION_VERIFICATION, "entered-in-error" if in_error else "confirmed"),
        "category": [
            concept(codes.CONDITION_CATEGORY, "problem-list-item", "Problem List Item"),
        ],
        "code": {
            "coding": [coding(codes.ICD10_CM, diagnosis.icd10_code, diagnosis.description)],
            "text": diagnosis.description,
        },
        "subject": reference("Patient", diagnosis.patient_id),
        "onsetDateTime": diagnosis.onset_date.isoformat() if diagnosis.onset_date else None,
        "recordedDate": instant(diagnosis.recorded_at),
        "recorder": _recorder(diagnosis.recorded_by),
    }
    return with_meta(without_empty(resource), codes.PROFILE_CONDITION)


def _code_text(field: str, system: str | None = None):
    """Token search on a coded field (system must match when given) or, without a system, its text."""

    def match(token: Token) -> Q:
        if token.system not in (None, system):
            return Q(pk__in=[])
        return Q(**{f"{field}__iexact": token.code})

    return match


register(
    ResourceType(
        name="Condition",
        profiles=(codes.PROFILE_CONDITION,),
        documentation="Diagnoses coded in ICD-10-CM, as problem-list items.",
        search_params=(
            PATIENT_PARAM,
            SearchParam("clinical-status", "token", "active or resolved."),
            SearchParam("category", "token", "problem-list-item (every diagnosis)."),
            SearchParam("code", "token", "The ICD-10-CM code (http://hl7.org/fhir/sid/icd-10-cm|F33.2)."),
        ),
        sources=(
            Source(
                key="",
                rows=lambda scope: (
                    Diagnosis.objects.filter(patient__organisation_id=scope.organisation_id)
                    .filter(patient__merged_into__isnull=True)
                    .select_related("recorded_by")
                ),
                to_resource=condition_resource,
                permission=Permission.PATIENT_VIEW,
                filters={
                    "clinical-status": choice_token(
                        "clinical-status",
                        "status",
                        codes.CONDITION_CLINICAL,
                        {"active": "active", "resolved": "resolved"},
                    ),
                    "category": fixed_token("category", {codes.CONDITION_CATEGORY: {"problem-list-item"}}),
                    "code": token_filter("code", _code_text("icd10_code", codes.ICD10_CM)),
                },
            ),
        ),
    )
)


def allergy_resource(allergy: Allergy, scope: Scope) -> dict:
    in_error = allergy.status == "entered_in_error"
    reaction = None
    if allergy.reaction or allergy.severity:
        reaction = [
            without_empty(
                {
                    "manifestation": [{"text": allergy.reaction or "Reaction not described"}],
                    "severity": allergy.severity,
                }
            )
        ]
    resource = {
        "resourceType": "AllergyIntolerance",
        "id": str(allergy.pk),
        # ait-1/ait-2: a clinical status unless entered in error.
        "clinicalStatus": None if in_error else concept(codes.ALLERGY_CLINICAL, allergy.status),
        "verificationStatus": concept(codes.ALLERGY_VERIFICATION, "entered-in-error" if in_error else "confirmed"),
        # The substance is recorded as text (no RxNorm or SNOMED code is entered in the chart).
        "code": {"text": allergy.substance},
        "patient": reference("Patient", allergy.patient_id),
        "recordedDate": instant(allergy.recorded_at),
        "recorder": _recorder(allergy.recorded_by),
        "reaction": reaction,
    }
    return with_meta(without_empty(resource), codes.PROFILE_ALLERGY)


register(
    ResourceType(
        name="AllergyIntolerance",
        profiles=(codes.PROFILE_ALLERGY,),
        documentation="Allergies and intolerances; the substance as text.",
        search_params=(
            PATIENT_PARAM,
            SearchParam("clinical-status", "token", "active or inactive."),
        ),
        sources=(
            Source(
                key="",
                rows=lambda scope: (
                    Allergy.objects.filter(patient__organisation_id=scope.organisation_id)
                    .filter(patient__merged_into__isnull=True)
                    .select_related("recorded_by")
                ),
                to_resource=allergy_resource,
                permission=Permission.PATIENT_VIEW,
                filters={
                    "clinical-status": choice_token(
                        "clinical-status",
                        "status",
                        codes.ALLERGY_CLINICAL,
                        {"active": "active", "inactive": "inactive"},
                    ),
                },
            ),
        ),
    )
)

# Medication.status → MedicationStatement.status (R4 value set medication-statement-status).
MEDICATION_STATUS = {"active": "active", "stopped": "stopped", "entered_in_error": "entered-in-error"}


# A medication typed as ketamine, esketamine or Spravato gets the RxNorm code of what the words name
# (codes.py names the sources; ketamine's is UNVERIFIED there); other medications stay text only.
NAMED_KETAMINES = (
    (re.compile(r"\bspravato\b", re.IGNORECASE), codes.RXNORM_SPRAVATO),
    (re.compile(r"\besketamine\b", re.IGNORECASE), codes.RXNORM_ESKETAMINE_NASAL_SPRAY),
    (re.compile(r"\bketamine\b", re.IGNORECASE), codes.RXNORM_KETAMINE),
)


def medication_concept(name: str) -> dict:
    for pattern, (code, display) in NAMED_KETAMINES:
        if pattern.search(name):
            return {"coding": [coding(codes.RXNORM, code, display)], "text": name}
    return {"text": name}


def medication_statement_resource(medication: Medication, scope: Scope) -> dict:
    dosage_text = " ".join(part for part in (medication.dose, medication.frequency) if part)
    period = without_empty(
        {
            "start": medication.started_on.isoformat() if medication.started_on else None,
            "end": medication.stopped_on.isoformat() if medication.stopped_on else None,
        }
    )
    return without_empty(
        {
            "resourceType": "MedicationStatement",
            "id": str(medication.pk),
            "status": MEDICATION_STATUS[medication.status],
            # Entered as free text in the chart: RxNorm only for the ketamines, recognised by name.
            "medicationCodeableConcept": medication_concept(medication.name),
            "subject": reference("Patient", medication.patient_id),
            "effectivePeriod": period,
            "dateAsserted": instant(medication.recorded_at),
            "informationSource": _recorder(medication.recorded_by),
            "dosage": [{"text": dosage_text}] if dosage_text else None,
        }
    )


register(
    ResourceType(
        name="MedicationStatement",
        documentation="The patient's current and past medications (not the clinic's ketamine doses: see "
        "MedicationAdministration). No US Core profile (US Core uses MedicationRequest for prescriptions).",
        search_params=(
            PATIENT_PARAM,
            SearchParam("status", "token", "active, stopped or entered-in-error."),
        ),
        sources=(
            Source(
                key="",
                rows=lambda scope: (
                    Medication.objects.filter(patient__organisation_id=scope.organisation_id)
                    .filter(patient__merged_into__isnull=True)
                    .select_related("recorded_by")
                ),
                to_resource=medication_statement_resource,
                permission=Permission.PATIENT_VIEW,
                filters={
                    "status": choice_token(
                        "status",
                        "status",
                        "http://hl7.org/fhir/CodeSystem/medication-statement-status",
                        {fhir: stored for stored, fhir in MEDICATION_STATUS.items()},
                    ),
                },
            ),
        ),
    )
)
