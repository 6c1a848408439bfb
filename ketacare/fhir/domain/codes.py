"""Code systems, codes and profiles the FHIR interface uses (docs/fhir.md lists them).

Sources: FHIR R4 4.0.1 (hl7.org/fhir/R4), US Core 8.0.0 (hl7.org/fhir/us/core), LOINC 2.80 (loinc.org),
SNOMED CT International (browser.ihtsdotools.org), UCUM (ucum.org).
"""

from ketacare.measures.domain.fhir import KETACARE_FHIR, LOINC, OBSERVATION_CATEGORY

__all__ = ["KETACARE_FHIR", "LOINC", "OBSERVATION_CATEGORY"]

FHIR_VERSION = "4.0.1"
FHIR_JSON = "application/fhir+json"

SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
NDC = "http://hl7.org/fhir/sid/ndc"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
ROLE_SYSTEM = f"{KETACARE_FHIR}/CodeSystem/staff-role"
ENCOUNTER_TYPE_SYSTEM = f"{KETACARE_FHIR}/CodeSystem/encounter-type"


def identifier_system(organisation_slug: str, kind: str) -> str:
    """Record numbers, staff and ledger entries are unique within one clinic: the system names it."""
    return f"{KETACARE_FHIR}/sid/{organisation_slug}/{kind}"


US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition"
PROFILE_PATIENT = f"{US_CORE}/us-core-patient"
PROFILE_PRACTITIONER = f"{US_CORE}/us-core-practitioner"
PROFILE_ORGANIZATION = f"{US_CORE}/us-core-organization"
PROFILE_LOCATION = f"{US_CORE}/us-core-location"
PROFILE_CONDITION = f"{US_CORE}/us-core-condition-problems-health-concerns"
PROFILE_ALLERGY = f"{US_CORE}/us-core-allergyintolerance"
PROFILE_ENCOUNTER = f"{US_CORE}/us-core-encounter"
PROFILE_CARE_PLAN = f"{US_CORE}/us-core-careplan"
PROFILE_BLOOD_PRESSURE = f"{US_CORE}/us-core-blood-pressure"
PROFILE_HEART_RATE = f"{US_CORE}/us-core-heart-rate"
PROFILE_PULSE_OXIMETRY = f"{US_CORE}/us-core-pulse-oximetry"
PROFILE_RESPIRATORY_RATE = f"{US_CORE}/us-core-respiratory-rate"
PROFILE_BODY_WEIGHT = f"{US_CORE}/us-core-body-weight"

# US Core vital signs (LOINC codes as the FHIR R4 vital signs profile binds them, R4 §observation-vitalsigns).
LOINC_BP_PANEL = "85354-9"
LOINC_SYSTOLIC = "8480-6"
LOINC_DIASTOLIC = "8462-4"
LOINC_HEART_RATE = "8867-4"
LOINC_SPO2 = "59408-5"  # Oxygen saturation in Arterial blood by Pulse oximetry (US Core pulse oximetry)
LOINC_SPO2_ARTERIAL = "2708-6"  # Oxygen saturation in Arterial blood (the R4 vital signs code)
LOINC_RESPIRATORY_RATE = "9279-1"
LOINC_BODY_WEIGHT = "29463-7"

# SNOMED CT route of administration concepts (the FHIR R4 RouteCodes value set draws on these).
ROUTE_SNOMED = {
    "iv": ("47625008", "Intravenous route"),
    "im": ("78421000", "Intramuscular route"),
    "sublingual": ("37839007", "Sublingual route"),
    "intranasal_esketamine": ("46713006", "Nasal route"),
}
