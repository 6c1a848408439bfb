"""Schedule (one per chair) and Slot (a chair's busy and free time, derived from bookings and opening hours):
the chair's day in its location's zone as UTC instants, the organisation's chairs only, calendar readers only,
valid R4, bounded searches, audited reads, listed in the CapabilityStatement and kept out of Bulk Data."""

import datetime as dt

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinics.models import Location
from ketacare.fhir.registry import REGISTRY
from ketacare.scheduling.models import Appointment, AppointmentStatus, Chair

pytestmark = pytest.mark.django_db


def utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


@pytest.fixture
def booked(clinic, patient, staff):
    """Chair 1 at Harbor Boston (open 08:00–18:00 America/New_York, EST in January) held 10:00–12:15 (a two-hour
    visit and its turnover) on the clinic's day; a cancelled visit at 14:00 holds nothing."""
    iv = clinic.type("iv_infusion")
    for hour, status in ((10, AppointmentStatus.BOOKED), (14, AppointmentStatus.CANCELLED)):
        Appointment.objects.create(
            organisation=patient.organisation,
            location=clinic.location,
            patient=patient,
            appointment_type=iv,
            starts_at=clinic.at(hour),
            ends_at=clinic.at(hour + 2),
            chair=clinic.chair1,
            chair_free_at=clinic.at(hour + 2, 15),
            status=status,
            created_by=staff["front_desk"],
        )
    return clinic


def day_window(clinic) -> dict:
    """The clinic's local day as a UTC window (midnight EST is 05:00 UTC)."""
    midnight = dt.datetime.combine(clinic.day, dt.time(), tzinfo=clinic.location.zone)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    return {
        "start": [
            f"ge{midnight.astimezone(dt.UTC):{stamp}}",
            f"lt{(midnight + dt.timedelta(days=1)).astimezone(dt.UTC):{stamp}}",
        ]
    }


def entries(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return [entry["resource"] for entry in response.json().get("entry", [])]


def test_a_chair_with_one_booking_is_busy_then_and_free_the_rest_of_its_opening_hours(booked, staff, fhir_get):
    slots = entries(fhir_get(staff["nurse"], "Slot", schedule=f"Schedule/{booked.chair1.pk}", **day_window(booked)))

    assert [(slot["status"], slot["start"], slot["end"]) for slot in slots] == [
        ("free", utc(booked.at(8)), utc(booked.at(10))),
        ("busy", utc(booked.at(10)), utc(booked.at(12, 15))),
        ("free", utc(booked.at(12, 15)), utc(booked.at(18))),
    ]
    assert slots[0]["start"] == f"{booked.day}T13:00:00+00:00"  # 08:00 in Boston in January, as a UTC instant
    assert {slot["schedule"]["reference"] for slot in slots} == {f"Schedule/{booked.chair1.pk}"}
    for slot in slots:
        get_fhir_model_class("Slot").model_validate(slot)
        FHIRElementFactory.instantiate("Slot", slot)
        assert fhir_get(staff["nurse"], f"Slot/{slot['id']}").json() == slot

    free = entries(fhir_get(staff["nurse"], "Slot", schedule=booked.chair2.pk, status="free", **day_window(booked)))
    assert [(slot["start"], slot["end"]) for slot in free] == [(utc(booked.at(8)), utc(booked.at(18)))]


def test_a_read_slot_that_a_booking_has_since_taken_is_gone(booked, patient, staff, fhir_get):
    (free_afternoon,) = [
        slot
        for slot in entries(fhir_get(staff["nurse"], "Slot", schedule=booked.chair1.pk, **day_window(booked)))
        if slot["start"] == utc(booked.at(12, 15))
    ]
    Appointment.objects.filter(status=AppointmentStatus.CANCELLED).update(status=AppointmentStatus.BOOKED)

    assert fhir_get(staff["nurse"], f"Slot/{free_afternoon['id']}").status_code == 404


def test_a_chair_is_a_schedule_of_its_location(booked, staff, fhir_get):
    schedule = fhir_get(staff["front_desk"], f"Schedule/{booked.chair1.pk}").json()

    assert schedule["actor"] == [{"reference": f"Location/{booked.location.pk}", "display": booked.location.name}]
    assert schedule["serviceType"] == [{"text": "Treatment chair Chair 1"}]
    assert "infusion pump, esketamine observation" in schedule["comment"] and "America/New_York" in schedule["comment"]
    horizon = schedule["planningHorizon"]
    opens = dt.datetime.fromisoformat(horizon["start"]).astimezone(booked.location.zone)
    assert opens.time() == dt.time(8) and dt.datetime.fromisoformat(horizon["end"]) > dt.datetime.fromisoformat(
        horizon["start"]
    )
    get_fhir_model_class("Schedule").model_validate(schedule)
    FHIRElementFactory.instantiate("Schedule", schedule)
    at_boston = entries(fhir_get(staff["front_desk"], "Schedule", actor=f"Location/{booked.location.pk}"))
    assert sorted(int(s["id"]) for s in at_boston) == sorted(
        c.pk for c in (booked.chair1, booked.chair2, booked.chair3)
    )


def test_another_organisations_chairs_never_appear(booked, other_org, other_staff, staff, fhir_get):
    theirs = Chair.objects.create(location=Location.objects.filter(organisation=other_org).first(), name="Theirs")

    ours = {s["id"] for s in entries(fhir_get(staff["nurse"], "Schedule"))}
    assert str(theirs.pk) not in ours and str(booked.chair1.pk) in ours
    slots = entries(fhir_get(staff["nurse"], "Slot", **day_window(booked)))
    chairs = (booked.chair1, booked.chair2, booked.chair3)
    assert {s["schedule"]["reference"] for s in slots} == {f"Schedule/{chair.pk}" for chair in chairs}
    assert fhir_get(staff["nurse"], f"Schedule/{theirs.pk}").status_code == 404
    assert entries(fhir_get(staff["nurse"], "Slot", schedule=theirs.pk, **day_window(booked))) == []
    their_slot = f"{theirs.pk}-free-{booked.day:%Y%m%d}T1300Z-{booked.day:%Y%m%d}T2300Z"
    assert fhir_get(staff["nurse"], f"Slot/{their_slot}").status_code == 404
    assert fhir_get(other_staff["nurse"], f"Schedule/{booked.chair1.pk}").status_code == 404


def test_roles_without_the_calendars_are_refused(booked, patient, staff, fhir_get):
    for reader in (staff["billing"], patient.user):
        for path in ("Schedule", f"Schedule/{booked.chair1.pk}", "Slot"):
            response = fhir_get(reader, path, **day_window(booked))
            assert response.status_code == 403, (reader, path)
            assert response.json()["resourceType"] == "OperationOutcome"


def test_a_slot_search_must_bound_its_window(booked, staff, fhir_get):
    for params in (
        {},
        {"start": f"ge{booked.day}"},
        {"start": [f"ge{booked.day}", f"lt{booked.day + dt.timedelta(days=90)}"]},
        {**day_window(booked), "status": "tentative"},
    ):
        response = fhir_get(staff["nurse"], "Slot", **params)
        assert response.status_code == 400, params
        assert response.json()["issue"][0]["expression"] in (["start"], ["status"])


def test_slot_searches_are_paged_and_audited(booked, staff, fhir_get):
    whole = entries(fhir_get(staff["nurse"], "Slot", **day_window(booked)))
    assert len(whole) == 5  # chair 1: three slots; chairs 2 and 3 free all day
    paged, bundle = [], fhir_get(staff["nurse"], "Slot", _count=2, **day_window(booked)).json()
    while True:
        paged += [entry["resource"] for entry in bundle["entry"]]
        next_url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
        if next_url is None:
            break
        bundle = fhir_get(staff["nurse"], "Slot" + next_url.partition("/fhir/Slot")[2]).json()
    assert paged == whole

    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT, object_type="fhir.slot").latest("sequence")
    assert entry.actor == staff["nurse"] and entry.patient is None
    assert entry.detail["interaction"] == "search" and entry.detail["resources"] == [f"Slot/{whole[4]['id']}"]


def test_the_capability_statement_lists_them_and_bulk_data_leaves_slots_out(client):
    resources = {entry["type"]: entry for entry in client.get("/fhir/metadata").json()["rest"][0]["resource"]}
    assert {p["name"] for p in resources["Slot"]["searchParam"]} == {"_id", "start", "schedule", "status"}
    assert {p["name"] for p in resources["Schedule"]["searchParam"]} == {"_id", "actor", "active"}
    assert "Schedule" in REGISTRY and "Slot" not in REGISTRY  # what bulk exports iterate
