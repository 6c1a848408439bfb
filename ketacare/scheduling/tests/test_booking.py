"""Booking one appointment: every rule, time zones, cancel, move, check-in, access."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketacare.audit.models import AuditEntry
from ketacare.scheduling.actions import booking, resources
from ketacare.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    ClosedDate,
    OpeningHours,
    StaffException,
    StaffShift,
)
from ketacare.scheduling.selectors.booking import SlotConflict, access_appointment_by_id, check_slot
from ketacare.scheduling.selectors.resources import scheduling_settings
from ketacare.scheduling.tests.booking_world import ESK, IV, boston

UTC = dt.UTC


def book(clinic, user, patient, kind=IV, hour=9, minute=0, day=None, **kw):
    return booking.do_book_appointment(
        user,
        patient_id=patient.pk,
        appointment_type_id=clinic.type(kind).pk,
        location_id=clinic.location.pk,
        starts_at=boston(day or clinic.day, hour, minute),
        **kw,
    )


def refused(clinic, user, patient, field, *, conflict=False, **kw):
    """Booking is refused naming `field`, and nothing is written."""
    appointments, audit = Appointment.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        book(clinic, user, patient, **kw)
    assert field in caught.value.message_dict, caught.value.message_dict
    assert isinstance(caught.value, SlotConflict) is conflict
    assert (Appointment.objects.count(), AuditEntry.objects.count()) == (appointments, audit)
    return " ".join(caught.value.message_dict[field])


def test_iv_booking_holds_patient_time_and_chair_turnover(clinic, staff, patient):
    appointment = book(clinic, staff["front_desk"], patient)
    # 09:00 in Boston in January is 14:00 UTC (EST, UTC−5).
    assert appointment.starts_at == dt.datetime(clinic.day.year, 1, clinic.day.day, 14, 0, tzinfo=UTC)
    # 15 min preparation + 40 min infusion (CLINICAL.md §1) + 45 min recovery; chair +15 turnover.
    assert appointment.ends_at - appointment.starts_at == dt.timedelta(minutes=100)
    assert appointment.chair_free_at - appointment.ends_at == dt.timedelta(minutes=15)
    assert appointment.chair == clinic.chair1 and appointment.status == AppointmentStatus.BOOKED
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert (entry.action, entry.object_id, entry.patient_id) == ("create", str(appointment.pk), patient.pk)


def test_time_zone_boston_winter_and_summer(clinic, staff, patient):
    winter = book(clinic, staff["front_desk"], patient)
    assert winter.starts_at.astimezone(UTC).hour == 14
    summer_day = dt.date(clinic.day.year, 7, 6)
    summer = book(clinic, staff["front_desk"], patient, day=summer_day)
    assert summer.starts_at.astimezone(UTC).hour == 13  # EDT, UTC−4


def test_auto_picks_the_next_capable_free_chair(clinic, staff, patient, second_patient):
    first = book(clinic, staff["front_desk"], patient)
    second = book(clinic, staff["front_desk"], second_patient)
    assert (first.chair, second.chair) == (clinic.chair1, clinic.chair2)


def test_refuses_a_closed_weekday_and_a_closed_date(clinic, staff, patient):
    OpeningHours.objects.filter(location=clinic.location, weekday=0).delete()
    assert "closed on Mondays" in refused(clinic, staff["front_desk"], patient, "starts_at")
    tuesday = clinic.day + dt.timedelta(days=1)
    ClosedDate.objects.create(location=clinic.location, date=tuesday, reason="Staff training")
    assert "closed on" in refused(clinic, staff["front_desk"], patient, "starts_at", day=tuesday)


def test_refuses_outside_opening_hours_and_off_the_slot_grid(clinic, staff, patient):
    # 17:00 + 100 minutes ends 18:40, after closing at 18:00.
    assert "opening hours" in refused(clinic, staff["front_desk"], patient, "starts_at", hour=17)
    refused(clinic, staff["front_desk"], patient, "starts_at", hour=7)
    assert "15-minute" in refused(clinic, staff["front_desk"], patient, "starts_at", minute=7)


def test_refuses_past_start(clinic, staff, patient):
    with pytest.raises(ValidationError) as caught:
        booking.do_book_appointment(
            staff["front_desk"],
            patient_id=patient.pk,
            appointment_type_id=clinic.type(IV).pk,
            location_id=clinic.location.pk,
            starts_at=timezone.now() - dt.timedelta(hours=1),
        )
    assert "past" in caught.value.message_dict["starts_at"][0]


def test_refuses_a_chair_that_cannot_do_the_treatment(clinic, staff, patient):
    message = refused(clinic, staff["front_desk"], patient, "chair", kind=ESK, chair_id=clinic.chair2.pk)
    assert "esketamine" in message
    refused(clinic, staff["front_desk"], patient, "chair", chair_id=clinic.chair3.pk)


def test_chair_is_held_through_turnover_and_free_right_after(clinic, staff, patient, second_patient):
    book(clinic, staff["front_desk"], patient, chair_id=clinic.chair1.pk)  # holds Chair 1 09:00–10:55
    message = refused(
        clinic,
        staff["front_desk"],
        second_patient,
        "chair",
        conflict=True,
        hour=10,
        minute=45,
        chair_id=clinic.chair1.pk,
    )
    assert "Chair 1" in message and "turnover" in message
    later = book(clinic, staff["front_desk"], second_patient, hour=11, chair_id=clinic.chair1.pk)
    assert later.chair == clinic.chair1


def test_every_capable_chair_busy_is_a_conflict(clinic, staff, patient, make_patient_n):
    book(clinic, staff["front_desk"], patient)
    book(clinic, staff["front_desk"], make_patient_n(10))
    # Two IV chairs, both taken (and the nurse ratio 2 is full too).
    message = refused(clinic, staff["front_desk"], make_patient_n(11), "chair", conflict=True)
    assert "Every chair" in message


def test_clinician_needs_skill_shift_and_a_free_slot(clinic, staff, patient, second_patient):
    therapy = AppointmentKind.INTEGRATION
    assert "skill" in refused(
        clinic, staff["front_desk"], patient, "clinician", kind=therapy, clinician_id=staff["nurse"].pk
    )
    # The therapist starts at 09:00.
    assert "not on shift" in refused(
        clinic, staff["front_desk"], patient, "clinician", kind=therapy, hour=8, clinician_id=staff["therapist"].pk
    )
    first = book(clinic, staff["front_desk"], patient, kind=therapy, hour=10)
    assert first.clinician == staff["therapist"] and first.chair is None
    refused(clinic, staff["front_desk"], second_patient, "clinician", conflict=True, kind=therapy, hour=10, minute=30)
    refused(
        clinic,
        staff["front_desk"],
        second_patient,
        "clinician",
        conflict=True,
        kind=therapy,
        hour=10,
        minute=30,
        clinician_id=staff["therapist"].pk,
    )


def test_clinician_on_leave_is_not_available(clinic, staff, patient):
    StaffException.objects.create(
        user=staff["therapist"],
        is_available=False,
        reason="Leave",
        starts_at=boston(clinic.day, 0),
        ends_at=boston(clinic.day + dt.timedelta(days=1), 0),
    )
    refused(clinic, staff["front_desk"], patient, "clinician", kind=AppointmentKind.INTEGRATION, hour=10)


def test_monitoring_ratio_counts_nurses_on_shift(clinic, staff, patient, make_patient_n):
    settings = scheduling_settings(clinic.location.organisation)
    settings.chairs_per_nurse = 1
    settings.save()
    book(clinic, staff["front_desk"], patient, kind=AppointmentKind.IM)  # 09:00–10:30
    message = refused(clinic, staff["front_desk"], make_patient_n(12), "monitoring", conflict=True, minute=30)
    assert "1 nurse(s) on shift × 1" in message
    # A second monitoring nurse on shift doubles the capacity.
    extra = make_patient_n(13)
    StaffException.objects.create(
        user=staff["prescriber"],
        is_available=True,
        location=clinic.location,
        starts_at=boston(clinic.day, 8),
        ends_at=boston(clinic.day, 18),
    )
    staff["prescriber"].skills.create(skill="monitor")
    assert book(clinic, staff["front_desk"], extra, minute=30).pk


def test_no_monitoring_nurse_on_shift(clinic, staff, patient):
    StaffShift.objects.filter(user=staff["nurse"]).delete()
    assert "No nurse" in refused(clinic, staff["front_desk"], patient, "monitoring")


def test_nurse_on_leave_leaves_nobody_to_monitor(clinic, staff, patient):
    StaffException.objects.create(
        user=staff["nurse"],
        is_available=False,
        starts_at=boston(clinic.day, 10),
        ends_at=boston(clinic.day, 12),
    )
    refused(clinic, staff["front_desk"], patient, "monitoring")  # 09:00–10:40 runs into the leave


def test_esketamine_needs_a_prescriber_on_site_for_the_whole_visit(clinic, staff, patient):
    StaffShift.objects.filter(user=staff["prescriber"]).update(ends_at=dt.time(10))
    # 15 + 135 minutes: 09:00–11:30, the prescriber leaves at 10:00.
    assert "prescriber" in refused(clinic, staff["front_desk"], patient, "prescriber", kind=ESK)


def test_prescriber_for_iv_is_a_clinic_setting(clinic, staff, patient):
    StaffShift.objects.filter(user=staff["prescriber"]).delete()
    refused(clinic, staff["front_desk"], patient, "prescriber")
    settings = scheduling_settings(clinic.location.organisation)
    settings.prescriber_on_site_for_iv = False
    settings.save()
    assert book(clinic, staff["front_desk"], patient).pk


def test_check_slot_is_read_only_and_reports_every_problem(clinic, staff):
    ClosedDate.objects.create(location=clinic.location, date=clinic.day)
    StaffShift.objects.filter(user=staff["prescriber"]).delete()
    check = check_slot(clinic.location, clinic.type(ESK), boston(clinic.day, 9), chair=clinic.chair2)
    assert {p.field for p in check.problems} == {"starts_at", "chair", "prescriber"}
    assert not check.ok and Appointment.objects.count() == 0


def test_cancel_needs_a_reason_and_frees_the_slot(clinic, staff, patient, second_patient):
    appointment = book(clinic, staff["front_desk"], patient, chair_id=clinic.chair1.pk)
    with pytest.raises(ValidationError) as caught:
        booking.do_cancel_appointment(staff["front_desk"], appointment.pk, reason=" ")
    assert "reason" in caught.value.message_dict
    cancelled = booking.do_cancel_appointment(staff["front_desk"], appointment.pk, reason="Patient unwell")
    assert cancelled.status == AppointmentStatus.CANCELLED  # weeks ahead: not late
    assert book(clinic, staff["front_desk"], second_patient, chair_id=clinic.chair1.pk).pk
    with pytest.raises(ValidationError):
        booking.do_cancel_appointment(staff["front_desk"], appointment.pk, reason="again")


def test_cancel_inside_the_window_is_late(clinic, staff, patient):
    appointment = book(clinic, staff["front_desk"], patient)
    settings = scheduling_settings(clinic.location.organisation_id)
    settings.late_cancellation_hours = 24 * 400
    settings.save()
    cancelled = booking.do_cancel_appointment(staff["front_desk"], appointment.pk, reason="Changed plans")
    assert cancelled.status == AppointmentStatus.LATE_CANCELLED


def test_move_rechecks_every_rule_and_keeps_the_row_on_refusal(clinic, staff, patient, second_patient):
    first = book(clinic, staff["front_desk"], patient, chair_id=clinic.chair1.pk)
    second = book(clinic, staff["front_desk"], second_patient, hour=13, chair_id=clinic.chair1.pk)
    before = (second.starts_at, second.chair_id)
    with pytest.raises(ValidationError) as caught:
        booking.do_move_appointment(staff["front_desk"], second.pk, starts_at=boston(clinic.day, 17))
    assert "starts_at" in caught.value.message_dict
    with pytest.raises(SlotConflict):
        booking.do_move_appointment(
            staff["front_desk"], second.pk, starts_at=boston(clinic.day, 10), chair_id=clinic.chair1.pk
        )
    second.refresh_from_db()
    assert (second.starts_at, second.chair_id) == before
    # Moving onto itself (a little later) does not conflict with its own old slot.
    moved = booking.do_move_appointment(staff["front_desk"], second.pk, starts_at=boston(clinic.day, 13, 30))
    assert moved.chair_id == clinic.chair1.pk and moved.starts_at == boston(clinic.day, 13, 30)
    # Without a chair given, the busy current chair is swapped for a free one.
    moved = booking.do_move_appointment(staff["front_desk"], second.pk, starts_at=boston(clinic.day, 9, 30))
    assert moved.chair_id == clinic.chair2.pk
    assert first.pk != moved.pk
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry.action == "update" and entry.detail["moved_to"]["chair_id"] == clinic.chair2.pk


def test_check_in_on_the_day_only(clinic, staff, patient):
    future = book(clinic, staff["front_desk"], patient)
    with pytest.raises(ValidationError) as caught:
        booking.do_check_in_appointment(staff["front_desk"], future.pk)
    assert "day of the appointment" in caught.value.message_dict["starts_at"][0]
    now = timezone.now().replace(second=0, microsecond=0)
    today = Appointment.objects.create(
        organisation=clinic.location.organisation,
        location=clinic.location,
        patient=patient,
        appointment_type=clinic.type(AppointmentKind.FOLLOW_UP),
        starts_at=now,
        ends_at=now + dt.timedelta(minutes=30),
        created_by=staff["front_desk"],
    )
    # Close to midnight in Boston "today" in UTC may differ; compare against the location's day.
    if now.astimezone(clinic.location.zone).date() == timezone.now().astimezone(clinic.location.zone).date():
        assert booking.do_check_in_appointment(staff["nurse"], today.pk).status == AppointmentStatus.CHECKED_IN


def test_patient_role_may_not_book(clinic, patient):
    with pytest.raises(PermissionDenied):
        book(clinic, patient.user, patient)


def test_other_organisation_cannot_book_or_see(clinic, staff, other_staff, patient):
    with pytest.raises(ValidationError) as caught:
        book(clinic, other_staff["front_desk"], patient)
    assert set(caught.value.message_dict) & {"patient_id", "appointment_type_id", "location_id"}
    appointment = book(clinic, staff["front_desk"], patient)
    with pytest.raises(Http404):
        access_appointment_by_id(other_staff["front_desk"], appointment.pk)
    with pytest.raises(Http404):
        booking.do_cancel_appointment(other_staff["front_desk"], appointment.pk, reason="x")
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED


def test_opening_an_appointment_is_audited(clinic, staff, patient):
    appointment = book(clinic, staff["front_desk"], patient)
    access_appointment_by_id(staff["nurse"], appointment.pk)
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert (entry.action, entry.patient_id, entry.actor_id) == ("view", patient.pk, staff["nurse"].pk)


def test_default_types_name_their_sources_and_are_idempotent(org, clinic):
    types = clinic.types
    assert types[ESK].duration_minutes >= 120 and types[ESK].needs_prescriber_on_site
    assert types[IV].duration_minutes == 40 and types[IV].chair == "iv" and types[IV].turnover_minutes == 15
    assert resources.ensure_default_appointment_types(org) == []


@pytest.fixture
def make_patient_n(org, make_patient):
    return lambda n: make_patient(org, n)


def test_a_patient_is_in_one_place_at_a_time(clinic, staff, patient):
    book(clinic, staff["front_desk"], patient)
    message = refused(
        clinic, staff["front_desk"], patient, "patient", conflict=True, kind=AppointmentKind.INTEGRATION, hour=10
    )
    assert "already has IV infusion at Harbor Boston" in message


def test_check_slot_queries_do_not_grow_with_bookings(clinic, staff, org, make_patient):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            check_slot(clinic.location, clinic.type(IV), boston(clinic.day, 15))
        return len(captured)

    few = queries()
    for n, hour in enumerate((8, 10, 12)):
        for chair in (clinic.chair1, clinic.chair2):
            book(clinic, staff["front_desk"], make_patient(org, 500 + n * 2 + chair.pk), hour=hour, chair_id=chair.pk)
    assert queries() == few


def test_dst_change_day_uses_the_new_offset(clinic, staff, patient):
    # US clocks go forward on the second Sunday in March at 02:00: 09:00 that day is EDT (UTC−4).
    march = dt.date(clinic.day.year, 3, 8)
    sunday = march + dt.timedelta(days=(6 - march.weekday()) % 7)
    appointment = book(clinic, staff["front_desk"], patient, day=sunday)
    assert appointment.starts_at.astimezone(UTC).hour == 13
    assert appointment.ends_at - appointment.starts_at == dt.timedelta(minutes=100)
