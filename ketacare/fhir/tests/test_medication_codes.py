"""RxNorm and NDC codes beside the text: on every dose's Medication, and on a MedicationStatement whose medication
is named ketamine, esketamine or Spravato (other medications stay text only)."""

import pytest

from ketacare.fhir.mappers.clinical import medication_concept
from ketacare.patients.models import Medication

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NDC = "http://hl7.org/fhir/sid/ndc"


def test_a_spravato_device_carries_rxnorm_and_the_devices_ndc(record, staff, fhir_get):
    response = fhir_get(staff["nurse"], f"MedicationAdministration/device-{record.device.pk}")
    assert response.status_code == 200, response.content
    (medication,) = response.json()["contained"]
    codings = medication["code"]["coding"]
    assert codings[0] == {"system": RXNORM, "code": "2201625", "display": "esketamine Nasal Spray [Spravato]"}
    assert codings[1] == {"system": NDC, "code": "50458-028-00"}  # the 28 mg device in its blister
    assert all(coding["system"] in (RXNORM, NDC) for coding in codings)
    assert medication["code"]["text"]


@pytest.mark.parametrize(
    "name, code",
    [
        ("Spravato 84 mg", "2201625"),
        ("esketamine nasal spray", "2201623"),
        ("Ketamine troches 100 mg", "6130"),
        ("IV ketamine (outside clinic)", "6130"),
        ("Sertraline", None),
        ("Ketaminex", None),
    ],
)
def test_medication_statement_codes_the_ketamines_by_name(name, code):
    concept = medication_concept(name)
    assert concept["text"] == name
    assert [coding["code"] for coding in concept.get("coding", [])] == ([code] if code else [])


def test_medication_statement_served_with_rxnorm(record, staff, fhir_get):
    typed = Medication.objects.create(
        patient=record.patient, name="Esketamine (Spravato)", recorded_by=staff["prescriber"]
    )
    statement = fhir_get(staff["nurse"], f"MedicationStatement/{typed.pk}").json()
    assert statement["medicationCodeableConcept"] == {
        "coding": [{"system": RXNORM, "code": "2201625", "display": "esketamine Nasal Spray [Spravato]"}],
        "text": "Esketamine (Spravato)",
    }
    sertraline = fhir_get(staff["nurse"], f"MedicationStatement/{record.medication.pk}").json()
    assert sertraline["medicationCodeableConcept"] == {"text": "Sertraline"}
