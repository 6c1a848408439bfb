"""/api/v1/scheduling: list, book (409 on conflict), move, cancel, resources."""

import datetime as dt

from ketacare.audit.models import AuditEntry
from ketacare.scheduling.models import Appointment, AppointmentStatus, ClosedDate
from ketacare.scheduling.tests.booking_world import ESK, IV, boston

BASE = "/api/v1/scheduling"


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def body(clinic, patient, hour=9, **extra):
    return {
        "patient_id": patient.pk,
        "appointment_type_id": clinic.type(IV).pk,
        "location_id": clinic.location.pk,
        "starts_at": boston(clinic.day, hour).isoformat(),
        **extra,
    }


def test_anonymous_gets_401_and_nothing_is_written(client, clinic, patient):
    assert post(client, f"{BASE}/appointments", body(clinic, patient)).status_code == 401
    assert client.get(f"{BASE}/resources").status_code == 401
    assert not Appointment.objects.exists()


def test_book_then_conflict_is_409_with_a_clear_detail(signed_in, clinic, staff, patient, second_patient):
    client = signed_in(staff["front_desk"])
    created = post(client, f"{BASE}/appointments", body(clinic, patient, chair_id=clinic.chair1.pk))
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["starts_at"].startswith(f"{clinic.day.isoformat()}T14:00") and data["local_start"].endswith("-05:00")
    assert data["chair_id"] == clinic.chair1.pk and data["status"] == "booked"
    clash = post(client, f"{BASE}/appointments", body(clinic, second_patient, chair_id=clinic.chair1.pk))
    assert clash.status_code == 409
    assert clash.json()["detail"].startswith("Chair: Chair 1 is already booked")
    assert Appointment.objects.count() == 1


def test_a_rule_refusal_is_422_naming_the_field(signed_in, clinic, staff, patient):
    ClosedDate.objects.create(location=clinic.location, date=clinic.day, reason="Holiday")
    response = post(signed_in(staff["front_desk"]), f"{BASE}/appointments", body(clinic, patient))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "starts_at"]
    bad_zone = post(
        signed_in(staff["front_desk"]),
        f"{BASE}/appointments",
        {**body(clinic, patient), "starts_at": "2027-01-11T09:00:00"},
    )
    assert bad_zone.status_code == 422
    assert not Appointment.objects.exists()


def test_patient_role_is_refused_and_other_org_ids_are_not_found(signed_in, clinic, patient, other_staff):
    assert post(signed_in(patient.user), f"{BASE}/appointments", body(clinic, patient)).status_code == 403
    response = post(signed_in(other_staff["front_desk"]), f"{BASE}/appointments", body(clinic, patient))
    assert response.status_code == 422
    assert not Appointment.objects.exists()


def test_list_by_date_range_and_location(signed_in, clinic, staff, patient, second_patient):
    client = signed_in(staff["front_desk"])
    post(client, f"{BASE}/appointments", body(clinic, patient))
    post(
        client,
        f"{BASE}/appointments",
        {
            **body(clinic, second_patient),
            "appointment_type_id": clinic.type(ESK).pk,
            "starts_at": boston(clinic.day + dt.timedelta(days=1), 9).isoformat(),
        },
    )
    day = clinic.day.isoformat()
    listed = client.get(f"{BASE}/appointments", {"date_from": day, "date_to": day, "location_id": clinic.location.pk})
    assert listed.status_code == 200 and [a["patient_id"] for a in listed.json()] == [patient.pk]
    week = client.get(
        f"{BASE}/appointments", {"date_from": day, "date_to": (clinic.day + dt.timedelta(days=6)).isoformat()}
    )
    assert len(week.json()) == 2
    assert client.get(f"{BASE}/appointments", {"date_from": day, "date_to": "2000-01-01"}).status_code == 422
    assert client.get(f"{BASE}/appointments", {"date_from": "0001-01-01", "date_to": day}).status_code == 422
    assert (
        client.get(f"{BASE}/appointments", {"date_from": day, "date_to": day, "location_id": 999999}).status_code == 404
    )


def test_other_organisation_lists_nothing_and_cannot_open(signed_in, clinic, staff, other_staff, patient):
    created = post(signed_in(staff["front_desk"]), f"{BASE}/appointments", body(clinic, patient)).json()
    other = signed_in(other_staff["front_desk"])
    day = clinic.day.isoformat()
    assert other.get(f"{BASE}/appointments", {"date_from": day, "date_to": day}).json() == []
    assert other.get(f"{BASE}/appointments/{created['id']}").status_code == 404
    assert post(other, f"{BASE}/appointments/{created['id']}/cancel", {"reason": "x"}).status_code == 404


def test_move_and_cancel(signed_in, clinic, staff, patient, second_patient):
    client = signed_in(staff["front_desk"])
    first = post(client, f"{BASE}/appointments", body(clinic, patient, chair_id=clinic.chair1.pk)).json()
    second = post(
        client, f"{BASE}/appointments", body(clinic, second_patient, hour=13, chair_id=clinic.chair1.pk)
    ).json()
    clash = post(
        client,
        f"{BASE}/appointments/{second['id']}/move",
        {"starts_at": boston(clinic.day, 10).isoformat(), "chair_id": clinic.chair1.pk},
    )
    assert clash.status_code == 409 and "Chair 1" in clash.json()["detail"]
    moved = post(client, f"{BASE}/appointments/{second['id']}/move", {"starts_at": boston(clinic.day, 11).isoformat()})
    assert moved.status_code == 200 and moved.json()["starts_at"].startswith(f"{clinic.day.isoformat()}T16:00")
    assert post(client, f"{BASE}/appointments/{first['id']}/cancel", {"reason": ""}).status_code == 422
    cancelled = post(client, f"{BASE}/appointments/{first['id']}/cancel", {"reason": "Unwell"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == AppointmentStatus.CANCELLED
    assert AuditEntry.objects.filter(object_type="scheduling.appointment", action="status_change").count() == 1


def test_resources_read(signed_in, clinic, staff):
    data = signed_in(staff["nurse"]).get(f"{BASE}/resources").json()
    boston_data = next(loc for loc in data["locations"] if loc["id"] == clinic.location.pk)
    assert [c["name"] for c in boston_data["chairs"]] == ["Chair 1", "Chair 2", "Room 3"]
    assert boston_data["time_zone"] == "America/New_York" and len(boston_data["opening_hours"]) == 7
    assert data["chairs_per_nurse"] == 2
    nurse = next(s for s in data["staff"] if s["id"] == staff["nurse"].pk)
    assert nurse["skills"] == ["monitor"] and len(nurse["shifts"]) == 7
