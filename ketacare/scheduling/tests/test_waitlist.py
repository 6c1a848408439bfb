"""The waitlist: add, withdraw, and the batch that starts as many courses as fit without moving bookings."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ketacare.scheduling.actions import waitlist
from ketacare.scheduling.actions.booking import create_appointment
from ketacare.scheduling.models import Appointment, WaitlistEntry
from ketacare.scheduling.selectors.waitlist import list_waitlist
from ketacare.scheduling.tests.test_courses import MORNINGS, build_clinic

SUNDAYS = [{"days": ["sun"], "from": "08:00", "to": "12:00"}]


@pytest.fixture
def clinic(org, staff, patient, make_treatment_plan):
    return build_clinic(org, staff, patient, make_treatment_plan)


def add(user, clinic, patient, **kwargs):
    values = {
        "patient_id": patient.pk,
        "appointment_type_id": clinic["iv"].pk,
        "location_ids": [clinic["location"].pk],
        "earliest_date": timezone.localdate() + dt.timedelta(days=1),
        "availability": MORNINGS,
        "sessions": 6,
        "min_days_between": 1,
        "max_span_days": 20,
    }
    values.update(kwargs)
    return waitlist.do_add_to_waitlist(user, **values)


def test_scheduling_the_waitlist_books_whole_courses_and_never_moves_bookings(
    clinic, staff, org, second_patient, make_patient, make_treatment_plan
):
    desk = staff["front_desk"]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    zone = clinic["location"].zone
    start = dt.datetime.combine(tomorrow + dt.timedelta(days=(7 - tomorrow.weekday()) % 7), dt.time(9), tzinfo=zone)
    with transaction.atomic():
        existing = create_appointment(
            desk, patient=second_patient, appointment_type=clinic["iv"], location=clinic["location"], starts_at=start
        )
    patients = [make_patient(org, n) for n in (10, 11, 12, 20)]
    for waiting_patient in patients:  # the waitlist takes patients whose IV plan has started
        make_treatment_plan(waiting_patient, "iv-racemic-ketamine", staff["prescriber"])
    waiting = [add(desk, clinic, waiting_patient) for waiting_patient in patients[:3]]
    impossible = add(desk, clinic, patients[3], availability=SUNDAYS)
    run = waitlist.do_schedule_waitlist(desk, weeks=4)
    assert {e.pk for e in run.booked} == {e.pk for e in waiting}
    assert [e.pk for e in run.not_booked] == [impossible.pk]
    for entry in waiting:
        entry.refresh_from_db()
        assert entry.status == "booked"
        sessions = list(entry.course.appointments.filter(status="booked").order_by("starts_at"))
        assert len(sessions) == 6
        dates = [s.starts_at.astimezone(zone).date() for s in sessions]
        assert len(set(dates)) == 6 and (dates[-1] - dates[0]).days <= 20
    impossible.refresh_from_db()
    assert impossible.status == "waiting" and impossible.last_unscheduled_reason
    moved = Appointment.objects.get(pk=existing.pk)
    assert (moved.starts_at, moved.chair_id, moved.status) == (existing.starts_at, existing.chair_id, "booked")
    for appointment in Appointment.objects.filter(status="booked"):
        assert (
            not Appointment.objects.filter(
                chair=appointment.chair,
                status="booked",
                starts_at__lt=appointment.chair_free_at,
                chair_free_at__gt=appointment.starts_at,
            )
            .exclude(pk=appointment.pk)
            .exists()
        )


def test_withdraw_and_access(clinic, staff, other_staff, patient):
    entry = add(staff["front_desk"], clinic, patient)
    with pytest.raises(PermissionDenied):
        list_waitlist(staff["nurse"])
    from django.http import Http404

    with pytest.raises(Http404):
        waitlist.do_withdraw_from_waitlist(other_staff["front_desk"], entry.pk)
    waitlist.do_withdraw_from_waitlist(staff["clinic_admin"], entry.pk, reason="Found another clinic")
    entry.refresh_from_db()
    assert entry.status == "withdrawn"
    with pytest.raises(ValidationError):
        waitlist.do_withdraw_from_waitlist(staff["front_desk"], entry.pk)
    run = waitlist.do_schedule_waitlist(staff["front_desk"], weeks=2)
    assert run.booked == [] and not Appointment.objects.exists()


def test_bad_waitlist_input_names_the_field(clinic, staff, patient, other_org_patient):
    for kwargs, field in [
        ({"patient_id": other_org_patient.pk}, "patient_id"),
        ({"availability": []}, "availability"),
        ({"sessions": 6, "max_span_days": 2}, "max_span_days"),
        ({"latest_start_date": timezone.localdate() - dt.timedelta(days=3)}, "latest_start_date"),
    ]:
        with pytest.raises(ValidationError) as refused:
            add(staff["front_desk"], clinic, patient, **kwargs)
        assert field in refused.value.message_dict
    assert not WaitlistEntry.objects.exists()


def test_waitlist_pages(clinic, staff, signed_in, patient, client):
    signed_in(staff["front_desk"])
    page = client.get(reverse("scheduling:waitlist"))
    assert page.status_code == 200
    response = client.post(
        reverse("scheduling:waitlist_add"),
        {
            "record_number": patient.record_number,
            "appointment_type": clinic["iv"].pk,
            "locations": [clinic["location"].pk],
            "sessions": 6,
            "min_days_between": 1,
            "max_span_days": 21,
            "earliest_date": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "from_time": "08:00",
            "to_time": "14:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(reverse("scheduling:waitlist_schedule"), {"weeks": 4})
    assert response.status_code == 200 and "Booked 1 course" in response.content.decode()
    assert Appointment.objects.filter(status="booked", patient=patient).count() == 6
    signed_in(staff["nurse"])
    assert client.get(reverse("scheduling:waitlist")).status_code == 403
