"""Issue 14.8: the earliest free slots, closed dates that flag their bookings, monitoring nurses per appointment."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from ketacare.audit.models import AuditEntry
from ketacare.scheduling.actions import booking, resources
from ketacare.scheduling.models import Appointment, AppointmentKind, StaffShift
from ketacare.scheduling.selectors.booking import SlotConflict, next_free_slots
from ketacare.scheduling.selectors.resources import scheduling_settings
from ketacare.scheduling.tests.booking_world import BOSTON, IV, boston
from ketacare.scheduling.tests.test_feeds import events, feed_url_from_page

API = "/api/v1/scheduling"
THERAPY = AppointmentKind.INTEGRATION


def book(clinic, user, patient, kind=IV, day=None, hour=9, minute=0, **kw):
    return booking.do_book_appointment(
        user,
        patient_id=patient.pk,
        appointment_type_id=clinic.type(kind).pk,
        location_id=clinic.location.pk,
        starts_at=boston(day or clinic.day, hour, minute),
        **kw,
    )


def free_starts(clinic, user, patient, kind=IV, count=3):
    """The offered starts from midnight of the clinic's day, as Boston wall-clock (day offset, "HH:MM")."""
    found = next_free_slots(
        user,
        patient_id=patient.pk,
        appointment_type_id=clinic.type(kind).pk,
        location_id=clinic.location.pk,
        not_before=boston(clinic.day, 0),
        count=count,
    )
    return [
        ((check.starts_at.astimezone(BOSTON).date() - clinic.day).days, f"{check.starts_at.astimezone(BOSTON):%H:%M}")
        for check in found.slots
    ]


# ---------------------------------------------------------------------------
# The earliest free slots


def test_free_slots_skip_a_closed_date_busy_chairs_and_the_patients_own_bookings(
    org, clinic, staff, patient, second_patient, make_patient
):
    desk = staff["front_desk"]
    assert free_starts(clinic, desk, patient)[0] == (0, "08:00")
    resources.do_add_closed_date(staff["clinic_admin"], clinic.location.pk, date=clinic.day, reason="Holiday")
    assert free_starts(clinic, desk, patient) == [(1, "08:00"), (1, "08:15"), (1, "08:30")]
    # Both IV chairs taken at 08:00 the next day: held until 09:55 (100 min visit + 15 min turnover).
    tuesday = clinic.day + dt.timedelta(days=1)
    book(clinic, desk, second_patient, day=tuesday, hour=8)
    book(clinic, desk, make_patient(org, 30), day=tuesday, hour=8)
    assert free_starts(clinic, desk, patient) == [(1, "10:00"), (1, "10:15"), (1, "10:30")]
    # The patient is in one place at a time: their own therapy at 10:00 pushes the infusion after it.
    book(clinic, desk, patient, kind=THERAPY, day=tuesday, hour=10)
    assert free_starts(clinic, desk, patient, count=1) == [(1, "11:00")]


def test_free_slots_skip_hours_without_a_skilled_clinician(clinic, staff, patient):
    # The only integration therapist works 09:00–17:00 though the clinic opens at 08:00.
    assert free_starts(clinic, staff["front_desk"], patient, kind=THERAPY, count=2) == [(0, "09:00"), (0, "09:15")]
    StaffShift.objects.filter(user=staff["nurse"], weekday=clinic.day.weekday()).update(starts_at=dt.time(11))
    # IV needs a monitoring nurse on shift for the whole visit.
    assert free_starts(clinic, staff["front_desk"], patient, count=1) == [(0, "11:00")]


def slot_forms(html: str) -> list[dict[str, str]]:
    forms = re.findall(r'<form method="post" action="/scheduling/book/".*?</form>', html, re.S)
    return [dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form)) for form in forms]


def test_booking_page_offers_slots_in_the_locations_zone_and_picking_one_books_it(signed_in, clinic, staff, patient):
    client = signed_in(staff["front_desk"])
    query = {
        "patient": patient.pk,
        "appointment_type": clinic.type(IV).pk,
        "location": clinic.location.pk,
        "start_date": clinic.day.isoformat(),
    }
    assert 'hx-get="/scheduling/book/slots/"' in client.get("/scheduling/book/").content.decode()
    response = client.get("/scheduling/book/slots/", query, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f"{clinic.day:%a} {clinic.day.day} {clinic.day:%b %Y} 08:00–09:40 America/New_York" in html
    offered = slot_forms(html)
    assert len(offered) == 5
    assert offered[0]["start_date"] == clinic.day.isoformat() and offered[0]["start_time"] == "08:00"
    picked = client.post("/scheduling/book/", offered[1])
    appointment = Appointment.objects.get()
    assert picked.status_code == 302 and picked["Location"] == f"/scheduling/appointments/{appointment.pk}/"
    assert appointment.starts_at == boston(clinic.day, 8, 15)
    assert appointment.monitoring_nurse == staff["nurse"]


def test_bad_slot_search_names_the_field(signed_in, clinic, staff, patient, other_staff):
    client = signed_in(staff["front_desk"])
    missing = client.get("/scheduling/book/slots/", {"patient": patient.pk}, headers={"HX-Request": "true"})
    assert missing.status_code == 200
    assert "Appointment type:" in missing.content.decode() and "Location:" in missing.content.decode()
    api = client.get(
        f"{API}/free-slots",
        {"patient_id": patient.pk, "appointment_type_id": 999999, "location_id": clinic.location.pk},
    )
    assert api.status_code == 422 and "appointment_type_id" in str(api.json())
    with pytest.raises(ValidationError) as caught:
        next_free_slots(
            staff["front_desk"],
            patient_id=patient.pk,
            appointment_type_id=clinic.type(IV).pk,
            location_id=clinic.location.pk,
            not_before=boston(clinic.day, 0),
            count=0,
        )
    assert "count" in caught.value.message_dict


def test_api_offers_slots_with_local_start_and_the_staff_they_take(signed_in, clinic, staff, patient):
    response = signed_in(staff["front_desk"]).get(
        f"{API}/free-slots",
        {
            "patient_id": patient.pk,
            "appointment_type_id": clinic.type(IV).pk,
            "location_id": clinic.location.pk,
            "date_from": clinic.day.isoformat(),
            "count": 2,
        },
    )
    assert response.status_code == 200, response.json()
    first, second = response.json()
    assert first["local_start"] == f"{clinic.day.isoformat()}T08:00:00-05:00"
    assert first["location_time_zone"] == "America/New_York" and second["local_start"].endswith("T08:15:00-05:00")
    assert first["chair_id"] == clinic.chair1.pk and first["monitoring_nurse_id"] == staff["nurse"].pk


# ---------------------------------------------------------------------------
# Closed dates flag what is already booked


def test_closing_a_day_returns_and_records_its_bookings_and_the_page_links_them(
    signed_in, clinic, staff, patient, second_patient
):
    on_the_day = book(clinic, staff["front_desk"], patient, hour=9)
    book(clinic, staff["front_desk"], second_patient, day=clinic.day + dt.timedelta(days=1))
    added = resources.do_add_closed_date(staff["clinic_admin"], clinic.location.pk, date=clinic.day, reason="Storm")
    assert added.affected == [on_the_day]
    entry = AuditEntry.objects.filter(object_type="scheduling.closeddate").latest("sequence")
    assert entry.detail["booked_that_day"] == [on_the_day.pk]
    page = signed_in(staff["clinic_admin"]).get(f"/scheduling/resources/locations/{clinic.location.pk}/")
    html = page.content.decode()
    assert "1 appointment still booked that day" in html
    assert f'href="/scheduling/appointments/{on_the_day.pk}/#move">09:00 {patient.full_name}' in html


def test_closing_a_day_by_api_lists_its_bookings(signed_in, clinic, staff, patient):
    on_the_day = book(clinic, staff["front_desk"], patient, hour=9)
    client = signed_in(staff["clinic_admin"])
    url = f"{API}/locations/{clinic.location.pk}/closed-dates"
    response = client.post(url, {"date": clinic.day.isoformat(), "reason": "Storm"}, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert [a["id"] for a in response.json()["affected_appointments"]] == [on_the_day.pk]
    again = client.post(url, {"date": clinic.day.isoformat()}, content_type="application/json")
    assert again.status_code == 422 and "already closed" in str(again.json())


# ---------------------------------------------------------------------------
# The monitoring nurse of each appointment


def test_booking_assigns_a_free_monitoring_nurse_and_her_feed_lists_it(client, signed_in, clinic, staff, patient):
    appointment = book(clinic, staff["front_desk"], patient)
    assert appointment.monitoring_nurse == staff["nurse"]
    therapy = book(clinic, staff["front_desk"], patient, kind=THERAPY, hour=14)
    assert therapy.monitoring_nurse is None  # needs no monitoring
    url = feed_url_from_page(signed_in(staff["nurse"]), "/scheduling/calendar-feed/")
    client.logout()
    assert set(events(client, url)) == {f"appointment-{appointment.pk}@ketacare"}


def test_nurse_choice_is_refused_off_shift_or_when_her_chairs_are_full(
    signed_in, org, clinic, staff, patient, make_patient
):
    settings = scheduling_settings(clinic.location.organisation)
    settings.chairs_per_nurse = 1
    settings.save()
    prescriber = staff["prescriber"]
    prescriber.skills.create(skill="monitor")
    first = book(clinic, staff["front_desk"], patient, hour=9)
    second = book(clinic, staff["front_desk"], make_patient(org, 31), hour=9, minute=30)
    # The nurse watches her one chair: the second visit goes to the other monitoring nurse on shift.
    assert (first.monitoring_nurse, second.monitoring_nurse) == (staff["nurse"], prescriber)
    with pytest.raises(SlotConflict) as full:
        booking.do_set_monitoring_nurse(staff["front_desk"], second.pk, nurse_id=staff["nurse"].pk)
    assert "already monitors 1" in " ".join(full.value.message_dict["nurse_id"])
    with pytest.raises(ValidationError) as unskilled:
        booking.do_set_monitoring_nurse(staff["front_desk"], second.pk, nurse_id=staff["therapist"].pk)
    assert "skill" in " ".join(unskilled.value.message_dict["nurse_id"])
    StaffShift.objects.filter(user=prescriber).update(ends_at=dt.time(10))
    client = signed_in(staff["front_desk"])
    refused = client.post(f"/scheduling/appointments/{second.pk}/nurse/", {"nurse": prescriber.pk})
    assert refused.status_code == 200 and "not on shift" in refused.content.decode()
    second.refresh_from_db()
    assert second.monitoring_nurse == prescriber  # unchanged by the refusal
    # Once the nurse's first visit is cancelled she can take it, on the page, audited.
    booking.do_cancel_appointment(staff["front_desk"], first.pk, reason="Unwell")
    saved = client.post(f"/scheduling/appointments/{second.pk}/nurse/", {"nurse": staff["nurse"].pk})
    assert saved.status_code == 302
    second.refresh_from_db()
    assert second.monitoring_nurse == staff["nurse"]
    entry = AuditEntry.objects.filter(object_id=str(second.pk), action="update").latest("sequence")
    assert entry.detail["monitoring_nurse_id"] == {"from": prescriber.pk, "to": staff["nurse"].pk}
    page = client.get(f"/scheduling/appointments/{second.pk}/").content.decode()
    assert f"Monitoring nurse</dt><dd>{staff['nurse'].get_full_name()}" in page
