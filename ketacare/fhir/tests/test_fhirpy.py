"""A real FHIR client (fhirpy) searches the running server with a bearer token and follows its paging."""

import pytest
from fhirpy import SyncFHIRClient


@pytest.mark.django_db(transaction=True)
def test_fhirpy_searches_and_reads_against_the_live_server(live_server, record, staff, bearer):
    client = SyncFHIRClient(f"{live_server.url}/fhir", authorization=bearer(staff["prescriber"]))
    patients = client.resources("Patient").search(family=record.patient.last_name).fetch()
    assert [patient.id for patient in patients] == [str(record.patient.pk)]
    assert patients[0]["birthDate"] == record.patient.date_of_birth.isoformat()

    # fetch_all follows the `next` links: two per page, every observation of the patient once.
    observations = client.resources("Observation").search(patient=record.patient.pk).limit(2).fetch_all()
    ids = [observation.id for observation in observations]
    assert len(ids) == len(set(ids)) > 6
    assert f"score-{record.phq9.pk}" in ids

    vitals = client.resources("Observation").search(patient=record.patient.pk, code="http://loinc.org|85354-9").fetch()
    assert {vital["code"]["coding"][0]["code"] for vital in vitals} == {"85354-9"}

    dose = client.reference("MedicationAdministration", f"dose-{record.dose.pk}").to_resource()
    assert dose["dosage"]["dose"]["value"] == 35.0
    encounter = client.reference("Encounter", f"session-{record.iv_session.pk}").to_resource()
    assert encounter["status"] == "finished"
