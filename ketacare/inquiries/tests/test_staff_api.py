"""The staff endpoints: GET /api/v1/inquiries[/{id}], POST .../status and .../convert."""

import pytest

from ketacare.accounts.models import ApiToken
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.inquiries.models import InquiryStatus
from ketacare.inquiries.tests.conftest import boston, upcoming
from ketacare.patients.models import Patient

pytestmark = pytest.mark.django_db
URL = "/api/v1/inquiries"


@pytest.fixture
def inquiry(org, submit):
    return submit(org, preferred_location_id=boston(org).pk)


def bearer(user) -> dict:
    secret = ApiToken.new_secret()
    ApiToken.objects.create(user=user, name="test", token_sha256=ApiToken.hash(secret), prefix=secret[:8])
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_list_needs_authentication(client, inquiry):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{inquiry.pk}").status_code == 401
    assert client.post(f"{URL}/{inquiry.pk}/convert").status_code == 401


def test_front_desk_lists_and_filters_by_status(client, staff, org, submit, inquiry):
    other = submit(org, first_name="Sam", email="sam@example.org", phone="")
    other.status = InquiryStatus.DECLINED
    other.save(update_fields=["status"])
    headers = bearer(staff["front_desk"])
    everything = client.get(URL, **headers).json()
    assert [row["id"] for row in everything["results"]] == [other.pk, inquiry.pk]
    assert everything["counts"] == {"new": 1, "contacted": 0, "scheduled": 0, "declined": 1}
    declined = client.get(URL, {"status": "declined"}, **headers).json()
    assert [row["id"] for row in declined["results"]] == [other.pk]
    assert client.get(URL, {"status": "bogus"}, **headers).status_code == 422
    assert AuditEntry.objects.filter(action=AuditAction.LIST, object_type="inquiries.inquiry").count() == 2


def test_one_request_shows_windows_in_the_locations_zone(client, staff, inquiry):
    response = client.get(f"{URL}/{inquiry.pk}", **bearer(staff["front_desk"]))
    assert response.status_code == 200
    body = response.json()
    day = upcoming(12, 1)
    assert body["preferred_location"]["time_zone"] == "America/New_York"
    assert body["windows"][0]["local"] == f"{day:%a} {day.day} {day:%b}, 9:00–12:00 EST"
    assert body["windows"][0]["starts_at"].startswith(f"{day.isoformat()}T14:00:00")
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(inquiry.pk)).count() == 1


@pytest.mark.parametrize("role", ["therapist", "patient"])
def test_therapists_and_patients_get_403(client, staff, patient, inquiry, role):
    headers = bearer(patient.user if role == "patient" else staff[role])
    assert client.get(URL, **headers).status_code == 403
    assert client.get(f"{URL}/{inquiry.pk}", **headers).status_code == 403


def test_another_organisation_sees_nothing_of_ours(client, other_staff, inquiry):
    headers = bearer(other_staff["clinic_admin"])
    assert client.get(URL, **headers).json()["results"] == []
    assert client.get(f"{URL}/{inquiry.pk}", **headers).status_code == 404
    assert (
        client.post(
            f"{URL}/{inquiry.pk}/status", {"status": "declined"}, content_type="application/json", **headers
        ).status_code
        == 404
    )
    assert client.post(f"{URL}/{inquiry.pk}/convert", **headers).status_code == 404
    assert not Patient.objects.exists()


def test_status_change_through_the_api(client, staff, inquiry):
    headers = bearer(staff["front_desk"])
    response = client.post(
        f"{URL}/{inquiry.pk}/status",
        {"status": "scheduled", "note": "Booked for Tuesday"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200
    assert response.json()["status"] == "scheduled"
    assert "Booked for Tuesday" in response.json()["status_note"]
    assert AuditEntry.objects.filter(action=AuditAction.STATUS_CHANGE, object_id=str(inquiry.pk)).count() == 1
    refused = client.post(f"{URL}/{inquiry.pk}/status", {"status": "maybe"}, content_type="application/json", **headers)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "status"]


def test_a_nurse_may_read_but_not_triage_or_convert(client, staff, inquiry):
    headers = bearer(staff["nurse"])
    assert client.get(f"{URL}/{inquiry.pk}", **headers).status_code == 200
    assert (
        client.post(
            f"{URL}/{inquiry.pk}/status", {"status": "declined"}, content_type="application/json", **headers
        ).status_code
        == 403
    )
    assert client.post(f"{URL}/{inquiry.pk}/convert", **headers).status_code == 403


def test_convert_returns_the_new_record_and_refuses_a_second_time(client, staff, inquiry):
    headers = bearer(staff["front_desk"])
    response = client.post(f"{URL}/{inquiry.pk}/convert", **headers)
    assert response.status_code == 201
    patient = Patient.objects.get()
    assert response.json() == {"patient_id": patient.pk, "record_number": patient.record_number}
    assert patient.record_number.startswith("KC-")
    again = client.post(f"{URL}/{inquiry.pk}/convert", **headers)
    assert again.status_code == 409
    assert patient.record_number in again.json()["detail"]
    assert Patient.objects.count() == 1


def test_a_signed_in_session_works_too(signed_in, staff, inquiry):
    assert signed_in(staff["front_desk"]).get(URL).status_code == 200
