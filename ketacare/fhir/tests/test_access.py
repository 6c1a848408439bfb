"""Who reads what through /fhir/: the pages' role matrix and organisation scoping, a patient's own
compartment, OperationOutcome for every refusal, and an audit entry (an export) for every read."""

import pytest

from ketacare.audit.models import AuditAction, AuditEntry

ALL_STAFF = ["front_desk", "nurse", "prescriber", "therapist", "clinic_admin"]


def outcome(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/fhir+json"
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == code
    return body


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in response.json().get("entry", [])}


def test_anonymous_gets_401_operation_outcome(record, fhir_get):
    response = fhir_get(None, f"Patient/{record.patient.pk}")
    outcome(response, 401, "login")
    assert response["WWW-Authenticate"].startswith("Bearer")
    outcome(fhir_get(None, "Observation"), 401, "login")


def test_a_wrong_token_is_401_even_with_a_session(record, staff, client):
    client.force_login(staff["nurse"])
    outcome(client.get("/fhir/Patient", HTTP_AUTHORIZATION="Bearer not-a-token"), 401, "login")


def test_a_revoked_token_is_401(record, staff, bearer, client):
    header = bearer(staff["nurse"])
    staff["nurse"].api_tokens.update(revoked_at="2026-01-01T00:00:00Z")
    outcome(client.get("/fhir/Patient", HTTP_AUTHORIZATION=header), 401, "login")


def test_another_organisations_records_are_404_and_never_listed(record, other_staff, other_org_patient, fhir_get):
    reader = other_staff["prescriber"]
    for path in [
        f"Patient/{record.patient.pk}",
        f"Condition/{record.diagnosis.pk}",
        f"Observation/score-{record.phq9.pk}",
        f"Observation/bp-{record.vital.pk}",
        f"MedicationAdministration/dose-{record.dose.pk}",
        f"Encounter/session-{record.iv_session.pk}",
        f"Appointment/{record.appointment.pk}",
        f"Consent/{record.consent.pk}",
        f"CarePlan/{record.esketamine_session.plan_id}",
        f"RelatedPerson/emergency-{record.patient.pk}",
        f"DocumentReference/{record.private_document.pk}",
    ]:
        outcome(fhir_get(reader, path), 404, "not-found")
    assert ids(fhir_get(reader, "Patient")) == {f"Patient/{other_org_patient.pk}"}
    assert ids(fhir_get(reader, "Observation", patient=record.patient.pk)) == set()


def test_a_patient_reads_only_their_own_compartment(record, second_patient, staff, fhir_get, make_patient):
    reader = record.patient.user
    assert ids(fhir_get(reader, "Patient")) == {f"Patient/{record.patient.pk}"}
    assert fhir_get(reader, f"Observation/bp-{record.vital.pk}").status_code == 200
    assert f"MedicationAdministration/dose-{record.dose.pk}" in ids(fhir_get(reader, "MedicationAdministration"))
    other = second_patient.user
    outcome(fhir_get(other, f"Patient/{record.patient.pk}"), 404, "not-found")
    outcome(fhir_get(other, f"Observation/score-{record.phq9.pk}"), 404, "not-found")
    assert ids(fhir_get(other, "Observation")) == set()
    assert ids(fhir_get(other, "Observation", patient=record.patient.pk)) == set()
    assert ids(fhir_get(other, "Patient", _id=record.patient.pk)) == set()
    assert ids(fhir_get(other, "RelatedPerson")) == set()
    assert ids(fhir_get(reader, "RelatedPerson")) == {f"RelatedPerson/emergency-{record.patient.pk}"}
    # Documents: what the portal shows them (shared with them, their signed consents), not the clinic's private files.
    consents = {f"DocumentReference/consent-{pk}" for pk in record.patient.signed_consents.values_list("pk", flat=True)}
    assert ids(fhir_get(reader, "DocumentReference")) == {f"DocumentReference/{record.shared_document.pk}", *consents}
    outcome(fhir_get(reader, f"DocumentReference/{record.private_document.pk}"), 404, "not-found")
    # Staff directories are not theirs to read.
    outcome(fhir_get(other, "Practitioner"), 403, "forbidden")


@pytest.mark.parametrize("role", ALL_STAFF)
def test_clinical_resources_follow_the_pages_role_matrix(record, staff, fhir_get, role):
    """Session charts (vitals, doses, encounters) are refused where the session pages are (front desk);
    consultation encounters where the consultation note is (front desk, clinic admin); the chart's lists,
    consents, appointments, treatment plans and questionnaire scores are open to every staff role, as their pages are."""
    reader = staff[role]
    sees_sessions = role != "front_desk"
    for path in (
        f"MedicationAdministration/dose-{record.dose.pk}",
        f"Observation/bp-{record.vital.pk}",
        f"Encounter/session-{record.iv_session.pk}",
    ):
        response = fhir_get(reader, path)
        if sees_sessions:
            assert response.status_code == 200, (role, path)
        else:
            outcome(response, 403, "forbidden")
    if not sees_sessions:
        outcome(fhir_get(reader, "MedicationAdministration"), 403, "forbidden")
    observations = ids(fhir_get(reader, "Observation", patient=record.patient.pk))
    assert f"Observation/score-{record.phq9.pk}" in observations
    assert (f"Observation/bp-{record.vital.pk}" in observations) == sees_sessions
    for path in (
        f"Patient/{record.patient.pk}",
        f"Condition/{record.diagnosis.pk}",
        f"AllergyIntolerance/{record.allergy.pk}",
        f"MedicationStatement/{record.medication.pk}",
        f"Appointment/{record.appointment.pk}",
        f"Consent/{record.consent.pk}",
        f"CarePlan/{record.esketamine_session.plan_id}",
        f"DocumentReference/{record.private_document.pk}",
    ):
        assert fhir_get(reader, path).status_code == 200, (role, path)


def test_unknown_or_bad_search_parameters_are_400(record, staff, fhir_get):
    reader = staff["nurse"]
    body = outcome(fhir_get(reader, "Patient", colour="blue"), 400, "invalid")
    assert "colour" in body["issue"][0]["diagnostics"] and body["issue"][0]["expression"] == ["colour"]
    outcome(fhir_get(reader, "Patient", **{"family:exact": "Example1"}), 400, "invalid")
    outcome(fhir_get(reader, "Patient", birthdate="yesterday"), 400, "invalid")
    outcome(fhir_get(reader, "Patient", birthdate="2026-02-30"), 400, "invalid")
    outcome(fhir_get(reader, "Observation", date="sa2026-01-01"), 400, "invalid")
    outcome(fhir_get(reader, "Observation", patient="Practitioner/1"), 400, "invalid")
    outcome(fhir_get(reader, "Patient", gender="robot"), 400, "invalid")
    outcome(fhir_get(reader, "Patient", _count="-1"), 400, "invalid")
    outcome(fhir_get(reader, "Patient", _cursor="x"), 400, "invalid")
    outcome(fhir_get(reader, "Patient", _format="xml"), 400, "not-supported")


def test_unknown_types_ids_and_addresses_are_404_and_writes_405(record, staff, fhir_get, bearer, client):
    reader = staff["nurse"]
    outcome(fhir_get(reader, "Spaceship"), 404, "not-found")
    outcome(fhir_get(reader, "Patient/999999"), 404, "not-found")
    outcome(fhir_get(reader, "Observation/999"), 404, "not-found")
    outcome(fhir_get(reader, "Observation/bp-x"), 404, "not-found")
    outcome(fhir_get(reader, "Patient/1/_history"), 404, "not-found")
    # Numbers no database id can hold are "not found", never an overflow in a lookup.
    huge = str(2**70)
    outcome(fhir_get(reader, f"Patient/{huge}"), 404, "not-found")
    assert fhir_get(reader, "Observation", patient=huge).json().get("entry") is None
    assert fhir_get(reader, "MedicationAdministration", context=f"Encounter/session-{huge}").status_code == 200
    assert fhir_get(reader, "PractitionerRole", practitioner=f"Practitioner/{huge}").status_code == 200
    assert fhir_get(reader, "Observation", _cursor=f"0.{huge}").status_code == 200
    response = client.post("/fhir/Patient", {}, HTTP_AUTHORIZATION=bearer(reader))
    outcome(response, 405, "not-supported")


def test_every_read_is_audited_as_an_export_per_patient(record, second_patient, staff, fhir_get):
    reader = staff["prescriber"]
    fhir_get(reader, "Organization")  # creates the reader's token (itself audited)
    before = AuditEntry.objects.count()
    fhir_get(reader, f"Observation/score-{record.phq9.pk}")
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert AuditEntry.objects.count() == before + 1
    assert (entry.action, entry.actor_id, entry.patient_id) == (AuditAction.EXPORT, reader.pk, record.patient.pk)
    assert entry.detail["resources"] == [f"Observation/score-{record.phq9.pk}"]
    fhir_get(reader, "Patient")
    entries = list(AuditEntry.objects.filter(sequence__gt=entry.sequence, organisation=entry.organisation))
    assert sorted(e.patient_id for e in entries) == sorted([record.patient.pk, second_patient.pk])
    assert all(e.action == AuditAction.EXPORT and e.detail["interaction"] == "search" for e in entries)
