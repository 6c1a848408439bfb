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

PROFILE_GOAL = f"{US_CORE}/us-core-goal"
PROFILE_PROCEDURE = f"{US_CORE}/us-core-procedure"
PROFILE_PROVENANCE = f"{US_CORE}/us-core-provenance"
PROFILE_DOCUMENT_REFERENCE = f"{US_CORE}/us-core-documentreference"

# SNOMED CT 14152002 |Intravenous infusion (procedure)|: as listed in public SNOMED CT code lists (the Nictiz
# nursing-procedure mapping, an HL7 IG value set); not looked up in the SNOMED CT browser this time.
SNOMED_IV_INFUSION = ("14152002", "Intravenous infusion")

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
# RxNorm (NLM, release of 2026-05 as mirrored on ndclist.com/rxnorm/rxcui/<code>): 2201625 "esketamine Nasal Spray
# [Spravato]" (SBDF, the Spravato device), 2201623 "esketamine Nasal Spray" (SCDF). Ketamine 6130 (ingredient):
# UNVERIFIED, no source found; the esketamine ingredient code is not sent (none verified).
RXNORM_SPRAVATO = ("2201625", "esketamine Nasal Spray [Spravato]")
RXNORM_ESKETAMINE_NASAL_SPRAY = ("2201623", "esketamine Nasal Spray")
RXNORM_KETAMINE = ("6130", "ketamine")  # UNVERIFIED
# Spravato NDCs (FDA label, How Supplied; DailyMed set d81a6a79-a74a-44b7-822c-0dfa3036eaed): each 28 mg device
# in its blister 50458-028-00; the 56 mg kit (two devices) 50458-028-02, the 84 mg kit (three) 50458-028-03. A
# device given carries the device's NDC; the kit's comes from the ledger.
NDC_SPRAVATO_DEVICE = "50458-028-00"

# LOINC document types (US Core clinical notes: progress note, consult note; consent as Consent.category).
LOINC_PROGRESS_NOTE = ("11506-3", "Progress note")
LOINC_CONSULT_NOTE = ("11488-4", "Consult note")
LOINC_CONSENT_DOCUMENT = ("59284-0", "Consent Document")
US_CORE_DOCUMENT_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
PROVENANCE_AGENT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
