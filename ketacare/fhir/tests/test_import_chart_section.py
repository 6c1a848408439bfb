"""The chart's "Imported record" section: where an imported patient came from, on their chart only, for chart
readers only."""

import json

import pytest

from ketacare.fhir.imports.actions import import_resources
from ketacare.fhir.imports.reader import read_text
from ketacare.patients.models import Patient

pytestmark = pytest.mark.django_db

OLD_MRN_SYSTEM = "urn:oid:2.16.840.1.113883.19.5"

BUNDLE = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {
            "resource": {
                "resourceType": "Patient",
                "id": "src-77",
                "identifier": [{"system": OLD_MRN_SYSTEM, "value": "MRN-4411"}],
                "name": [{"use": "official", "family": "Arrow", "given": ["Quinn"]}],
                "birthDate": "1984-05-06",
                "gender": "female",
            }
        },
        {
            "resource": {
                "resourceType": "Condition",
                "id": "c1",
                "subject": {"reference": "Patient/src-77"},
                "code": {
                    "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F33.2"}],
                    "text": "MDD, recurrent, severe",
                },
            }
        },
        *(
            {
                "resource": {
                    "resourceType": "Observation",
                    "id": f"phq-{n}",
                    "status": "final",
                    "subject": {"reference": "Patient/src-77"},
                    "code": {"coding": [{"system": "http://loinc.org", "code": "44261-6"}]},
                    "effectiveDateTime": f"2025-0{n}-04T10:00:00Z",
                    "valueInteger": 20 - n,
                }
            }
            for n in (1, 2)
        ),
    ],
}


@pytest.fixture
def imported_patient(staff, portland):
    report = import_resources(
        staff["clinic_admin"],
        staff["clinic_admin"].organisation,
        read_text(json.dumps(BUNDLE), "export.json"),
        source_name="old-ehr",
        home_location=portland,
    )
    assert report.total("refused") == 0
    return next(o for o in report.outcomes if o.type == "Patient")


def chart(client, patient_id: int) -> str:
    response = client.get(f"/patients/{patient_id}/")
    assert response.status_code == 200
    return response.content.decode()


def test_an_imported_patients_chart_says_where_the_record_came_from(imported_patient, staff, signed_in):
    patient = Patient.objects.get(record_number=imported_patient.target)

    html = chart(signed_in(staff["nurse"]), patient.pk)

    section = html[html.index('id="imported-record"') : html.index("</section>", html.index('id="imported-record"'))]
    assert "<strong>old-ehr</strong>" in section and "https://ketacare.org/fhir/sid/import/old-ehr" in section
    assert "<code>src-77</code>" in section
    assert "<tr><td>Observation</td><td>2</td></tr>" in section and "<tr><td>Condition</td><td>1</td></tr>" in section
    assert "<code>MRN-4411</code>" in section and OLD_MRN_SYSTEM in section
    assert " PST" in section or " PDT" in section  # when, in the patient's (Portland) zone


def test_a_patient_who_was_not_imported_has_no_such_section(imported_patient, patient, staff, signed_in):
    assert 'id="imported-record"' not in chart(signed_in(staff["nurse"]), patient.pk)
