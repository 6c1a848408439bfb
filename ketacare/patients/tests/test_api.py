"""/api/v1/patients: the same rules as the pages, as JSON with explicit error shapes."""

import datetime as dt

import pytest

from ketacare.accounts.models import ApiToken
from ketacare.audit.models import AuditAction
from ketacare.patients import actions
from ketacare.patients.models import Diagnosis, Patient, WeightMeasurement
from ketacare.patients.schemas import PatientSummaryOut
from ketacare.patients.selectors import NAME_ORDER

BASE = "/api/v1/patients"
NEW_PATIENT = {"first_name": "Zoë", "last_name": "Adams", "date_of_birth": "1990-04-01", "phone": "503 555 0111"}


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def test_anonymous_callers_get_401(client, patient):
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}/{patient.pk}").status_code == 401
    assert post(client, BASE, NEW_PATIENT).status_code == 401
    assert not Patient.objects.filter(last_name="Adams").exists()


def test_front_desk_registers_a_patient(signed_in, staff, audit_entries):
    response = post(signed_in(staff["front_desk"]), BASE, NEW_PATIENT)
    assert response.status_code == 201
    body = response.json()
    assert (body["record_number"], body["phone"], body["stage"]) == ("KC-000001", "+15035550111", "registered")
    assert audit_entries(patient_id=body["id"], action=AuditAction.CREATE)


def test_a_therapist_cannot_register(signed_in, staff):
    response = post(signed_in(staff["therapist"]), BASE, NEW_PATIENT)
    assert response.status_code == 403
    assert "detail" in response.json()
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date_of_birth", "2999-01-01", "The date of birth cannot be in the future."),
        ("phone", "555", "is not a valid phone number"),
        ("sex_at_birth", "robot", "is not a valid choice"),
    ],
)
def test_bad_registration_input_is_a_422_naming_the_field(signed_in, staff, field, value, message):
    response = post(signed_in(staff["front_desk"]), BASE, {**NEW_PATIENT, field: value})
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", field] and message in error["msg"]
    assert not Patient.objects.exists()


def test_a_missing_name_is_a_422(signed_in, staff):
    response = post(signed_in(staff["front_desk"]), BASE, {"last_name": "Adams", "date_of_birth": "1990-04-01"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "first_name"


def test_search_returns_summaries_of_our_patients_only(signed_in, staff, patient, other_org_patient, audit_entries):
    response = signed_in(staff["nurse"]).get(BASE, {"q": "pat"})
    assert response.status_code == 200
    assert [row["record_number"] for row in response.json()] == ["T-00001"]
    assert set(response.json()[0]) == {
        "id",
        "record_number",
        "first_name",
        "last_name",
        "preferred_name",
        "date_of_birth",
        "stage",
        "home_location",
    }
    assert audit_entries(action=AuditAction.LIST)


def test_the_list_sends_exactly_what_its_schema_would(signed_in, staff, org, patient, make_patient):
    """The list's rows skip ninja's validation (search_patient_summaries builds them in PatientSummaryOut's
    shape): the same JSON as the schema makes of the patients, with and without a home location."""
    make_patient(org, 2, home_location=org.locations.first(), preferred_name='<b>"Zo"</b> & Zoë')
    response = signed_in(staff["front_desk"]).get(BASE)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    patients = Patient.objects.filter(organisation=org).select_related("home_location")
    expected = [PatientSummaryOut.model_validate(p).model_dump(mode="json") for p in patients.order_by(*NAME_ORDER)]
    assert {row["home_location"] is None for row in expected} == {True, False}
    assert response.json() == expected


def test_patients_cannot_search(signed_in, patient):
    assert signed_in(patient.user).get(BASE, {"q": "pat"}).status_code == 403


def test_the_full_record_includes_the_clinical_lists_and_is_audited(signed_in, staff, patient, audit_entries):
    nurse = staff["nurse"]
    actions.do_add_diagnosis(nurse, patient.pk, icd10_code="F33.2", description="MDD")
    actions.do_add_allergy(nurse, patient.pk, substance="Latex")
    actions.do_add_medication(nurse, patient.pk, name="Sertraline")
    actions.do_record_weight(nurse, patient.pk, weight_kg="70.5", measured_on=dt.date(2024, 1, 1))
    actions.do_record_weight(nurse, patient.pk, weight_kg="69.0", measured_on=dt.date(2024, 2, 1))
    response = signed_in(nurse).get(f"{BASE}/{patient.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["diagnoses"][0]["icd10_code"] == "F33.2"
    assert body["allergies"][0]["substance"] == "Latex"
    assert body["medications"][0]["name"] == "Sertraline"
    assert [(w["measured_on"], w["weight_kg"]) for w in body["weights"]] == [("2024-02-01", 69.0), ("2024-01-01", 70.5)]
    assert len(audit_entries(patient=patient, action=AuditAction.VIEW)) == 1


def test_a_patient_reads_their_own_record_and_no_other(signed_in, patient, second_patient):
    client = signed_in(patient.user)
    assert client.get(f"{BASE}/{patient.pk}").json()["id"] == patient.pk
    assert client.get(f"{BASE}/{second_patient.pk}").status_code == 404


def test_another_organisations_staff_get_404(signed_in, other_staff, patient, audit_entries):
    client = signed_in(other_staff["prescriber"])
    assert client.get(f"{BASE}/{patient.pk}").status_code == 404
    assert patch(client, f"{BASE}/{patient.pk}", {"email": "x@example.org"}).status_code == 404
    weight = {"weight_kg": 70, "measured_on": "2024-01-01"}
    assert post(client, f"{BASE}/{patient.pk}/weights", weight).status_code == 404
    assert not audit_entries(patient=patient)


def test_ids_outside_the_database_range_are_refused_cleanly(signed_in, staff):
    response = signed_in(staff["nurse"]).get(f"{BASE}/{2**70}")
    assert response.status_code == 422


def test_patch_changes_only_the_fields_sent(signed_in, staff, patient, audit_entries):
    response = patch(signed_in(staff["front_desk"]), f"{BASE}/{patient.pk}", {"phone": "(503) 555-0123"})
    assert response.status_code == 200 and response.json()["phone"] == "+15035550123"
    patient.refresh_from_db()
    assert (patient.phone, patient.email) == ("+15035550123", "pat1@example.org")
    assert audit_entries(patient=patient, action=AuditAction.UPDATE)[0].detail == {"fields": ["phone"]}


def test_patch_with_a_bad_phone_is_a_422_and_changes_nothing(signed_in, staff, patient, audit_entries):
    response = patch(
        signed_in(staff["front_desk"]),
        f"{BASE}/{patient.pk}",
        {"email": "new@example.org", "emergency_contact_phone": "not a number"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "emergency_contact_phone"]
    patient.refresh_from_db()
    assert patient.email == "pat1@example.org"
    assert not audit_entries(action=AuditAction.UPDATE)


def test_patch_sets_the_home_location_by_id_within_the_clinic(signed_in, staff, patient, org, other_org):
    client = signed_in(staff["front_desk"])
    ours, theirs = org.locations.first(), other_org.locations.first()
    assert patch(client, f"{BASE}/{patient.pk}", {"home_location": theirs.pk}).status_code == 422
    response = patch(client, f"{BASE}/{patient.pk}", {"home_location": ours.pk})
    assert response.json()["home_location"]["name"] == ours.name


def test_the_stage_changes_with_a_status_change_entry(signed_in, staff, patient, audit_entries):
    body = {"stage": "consultation", "reason": "Booked the consultation by phone"}
    response = post(signed_in(staff["prescriber"]), f"{BASE}/{patient.pk}/stage", body)
    assert response.status_code == 200 and response.json()["stage"] == "consultation"
    [entry] = audit_entries(patient=patient, action=AuditAction.STATUS_CHANGE)
    assert entry.detail["reason"] == "Booked the consultation by phone"
    no_reason = post(signed_in(staff["prescriber"]), f"{BASE}/{patient.pk}/stage", {"stage": "induction"})
    assert no_reason.status_code == 422
    bad = post(signed_in(staff["prescriber"]), f"{BASE}/{patient.pk}/stage", {"stage": "cured", "reason": "x"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "stage"]


def test_a_nurse_adds_a_weight(signed_in, staff, patient):
    response = post(
        signed_in(staff["nurse"]), f"{BASE}/{patient.pk}/weights", {"weight_kg": 72.3, "measured_on": "2024-06-01"}
    )
    assert response.status_code == 201 and response.json()["weight_kg"] == 72.3
    assert str(WeightMeasurement.objects.get().weight_kg) == "72.3"


def test_a_20_kg_weight_is_a_422(signed_in, staff, patient):
    response = post(
        signed_in(staff["nurse"]), f"{BASE}/{patient.pk}/weights", {"weight_kg": 20, "measured_on": "2024-06-01"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "weight_kg"]
    assert not WeightMeasurement.objects.exists()


def test_front_desk_cannot_add_a_diagnosis(signed_in, staff, patient):
    response = post(
        signed_in(staff["front_desk"]), f"{BASE}/{patient.pk}/diagnoses", {"icd10_code": "F33.2", "description": "MDD"}
    )
    assert response.status_code == 403
    assert not Diagnosis.objects.exists()


def test_a_diagnosis_code_is_normalised_or_refused(signed_in, staff, patient):
    client = signed_in(staff["prescriber"])
    created = post(client, f"{BASE}/{patient.pk}/diagnoses", {"icd10_code": "f332", "description": "MDD"})
    assert created.status_code == 201 and created.json()["icd10_code"] == "F33.2"
    refused = post(client, f"{BASE}/{patient.pk}/diagnoses", {"icd10_code": "33.2", "description": "MDD"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "icd10_code"]
    assert Diagnosis.objects.count() == 1


def test_status_changes_through_the_api(signed_in, staff, patient, audit_entries):
    client = signed_in(staff["nurse"])
    medication = post(
        client, f"{BASE}/{patient.pk}/medications", {"name": "Sertraline", "started_on": "2023-01-01"}
    ).json()
    allergy = post(client, f"{BASE}/{patient.pk}/allergies", {"substance": "Latex"}).json()
    diagnosis = post(client, f"{BASE}/{patient.pk}/diagnoses", {"icd10_code": "F41.1", "description": "GAD"}).json()

    missing_date = post(client, f"{BASE}/{patient.pk}/medications/{medication['id']}/status", {"status": "stopped"})
    assert missing_date.status_code == 422 and missing_date.json()["detail"][0]["loc"] == ["body", "stopped_on"]
    stopped = post(
        client,
        f"{BASE}/{patient.pk}/medications/{medication['id']}/status",
        {"status": "stopped", "stopped_on": "2024-03-01"},
    )
    assert stopped.json()["status"] == "stopped" and stopped.json()["stopped_on"] == "2024-03-01"
    assert (
        post(client, f"{BASE}/{patient.pk}/allergies/{allergy['id']}/status", {"status": "entered_in_error"}).json()[
            "status"
        ]
        == "entered_in_error"
    )
    assert (
        post(client, f"{BASE}/{patient.pk}/diagnoses/{diagnosis['id']}/status", {"status": "resolved"}).json()["status"]
        == "resolved"
    )
    assert len(audit_entries(patient=patient, action=AuditAction.STATUS_CHANGE)) == 3


def test_a_bearer_token_works_like_a_session(client, staff, patient):
    secret = ApiToken.new_secret()
    ApiToken.objects.create(user=staff["nurse"], name="script", token_sha256=ApiToken.hash(secret), prefix=secret[:8])
    response = client.get(f"{BASE}/{patient.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200


def test_every_endpoint_documents_its_error_responses(client):
    schema = client.get("/api/v1/openapi.json").json()  # the site's API (a root module), as published
    paths = {path: ops for path, ops in schema["paths"].items() if path.startswith(BASE)}
    assert len(paths) == 12
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert {401, 403, 404, 422} <= set(map(int, operation["responses"])), (method, path)
