"""Whole-course booking from a treatment plan: all or nothing, windows and spacing kept, moves
re-check the course, the rest of a course cancels in one step, nothing ghosted or duplicated."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from ketacare.audit.models import AuditEntry
from ketacare.clinics.models import Location
from ketacare.scheduling import solver_input
from ketacare.scheduling.actions import courses
from ketacare.scheduling.actions.resources import ensure_default_appointment_types
from ketacare.scheduling.domain.instance import parse_instance
from ketacare.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Chair,
    ClosedDate,
    Course,
    OpeningHours,
    Skill,
    StaffException,
    StaffShift,
    StaffSkill,
)
from ketacare.scheduling.selectors.courses import preview_course

WORKDAYS = range(6)  # Monday to Saturday


def equip_location(location, staff, *, chairs: int = 2, opens=dt.time(8), closes=dt.time(18)):
    """Opening hours Mon–Sat, IV chairs, the nurse monitoring and the prescriber on site all day."""
    for weekday in WORKDAYS:
        OpeningHours.objects.create(location=location, weekday=weekday, opens_at=opens, closes_at=closes)
        StaffShift.objects.create(
            user=staff["nurse"], location=location, weekday=weekday, starts_at=opens, ends_at=closes
        )
        StaffShift.objects.create(
            user=staff["prescriber"], location=location, weekday=weekday, starts_at=opens, ends_at=closes
        )
    StaffSkill.objects.get_or_create(user=staff["nurse"], skill=Skill.MONITOR)
    return [Chair.objects.create(location=location, name=f"Chair {n}", supports_iv=True) for n in range(1, chairs + 1)]


def make_plan(make_treatment_plan, staff, patient, start_date: dt.date):
    """An active IV plan from `start_date`: a course is booked for a started plan, whose candidacy
    approval and weight were checked when it started (the `make_treatment_plan` fixture)."""
    return make_treatment_plan(patient, "iv-racemic-ketamine", staff["prescriber"], start_date=start_date)


def next_monday(weeks_ahead: int = 1) -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 * weeks_ahead - today.weekday())


MORNINGS = [{"days": ["mon", "tue", "wed", "thu", "fri", "sat"], "from": "08:00", "to": "13:00"}]


def build_clinic(org, staff, patient, make_treatment_plan) -> dict:
    """Portland equipped (see equip_location), the default appointment types, an IV plan from next Monday."""
    portland = Location.objects.get(organisation=org, name__endswith="Portland")
    patient.home_location = portland
    patient.save(update_fields=["home_location"])
    chairs = equip_location(portland, staff)
    ensure_default_appointment_types(org)
    iv = AppointmentType.objects.get(organisation=org, kind="iv_infusion")
    plan = make_plan(make_treatment_plan, staff, patient, next_monday())
    return {"location": portland, "chairs": chairs, "iv": iv, "plan": plan, "patient": patient}


@pytest.fixture
def clinic(org, staff, patient, make_treatment_plan):
    return build_clinic(org, staff, patient, make_treatment_plan)


def book(user, clinic, **kwargs):
    values = {"appointment_type_id": clinic["iv"].pk, "location_ids": [clinic["location"].pk], "availability": MORNINGS}
    values.update(kwargs)
    return courses.do_book_course(user, clinic["plan"].pk, **values)


def local_dates(course):
    zone = course.location.zone
    return [
        a.starts_at.astimezone(zone).date() for a in course.appointments.filter(status="booked").order_by("starts_at")
    ]


def test_books_every_planned_session_in_its_window_linked_to_one_course(clinic, staff):
    course = book(staff["front_desk"], clinic)
    appointments = list(course.appointments.order_by("starts_at").select_related("planned_session"))
    sessions = list(clinic["plan"].sessions.order_by("sequence"))
    assert len(appointments) == len(sessions) == 6
    zone = clinic["location"].zone
    for appointment, session in zip(appointments, sessions, strict=True):
        assert appointment.planned_session == session
        local = appointment.starts_at.astimezone(zone)
        assert session.window_start <= local.date() <= session.window_end
        assert dt.time(8) <= local.time() and (appointment.ends_at.astimezone(zone).time() <= dt.time(13))
    dates = local_dates(course)
    assert all((b - a).days >= 1 for a, b in itertools.pairwise(dates))
    assert AuditEntry.objects.filter(object_type="scheduling.course", action="create").count() == 1


def test_the_front_desk_may_book_but_not_another_organisation(clinic, staff, other_staff):
    with pytest.raises(Http404):
        book(other_staff["front_desk"], clinic)
    assert not Course.objects.exists()


def test_a_plan_is_booked_once_and_a_planned_session_never_holds_two_live_appointments(clinic, staff):
    book(staff["front_desk"], clinic)
    with pytest.raises(ValidationError, match="already booked"):
        book(staff["front_desk"], clinic)
    assert Course.objects.count() == 1
    appointment = Appointment.objects.first()
    duplicate = Appointment(
        organisation=appointment.organisation,
        location=appointment.location,
        patient=appointment.patient,
        appointment_type=appointment.appointment_type,
        planned_session=appointment.planned_session,
        starts_at=appointment.starts_at + dt.timedelta(hours=5),
        ends_at=appointment.ends_at + dt.timedelta(hours=5),
        created_by=staff["front_desk"],
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_when_no_course_fits_nothing_is_booked_and_the_reason_and_alternatives_are_given(clinic, staff):
    # Only Sunday mornings: the clinic is closed on Sundays.
    sundays = [{"days": ["sun"], "from": "08:00", "to": "13:00"}]
    with pytest.raises(courses.CourseDoesNotFit) as refused:
        book(staff["front_desk"], clinic, availability=sundays)
    proposal = refused.value.proposal
    assert proposal.constraint == "patient_availability"
    assert "session 1" in proposal.reason
    assert proposal.alternatives[0].kind == "other_times"
    assert not Appointment.objects.exists() and not Course.objects.exists()
    # Picking the alternative books it.
    course = book(staff["front_desk"], clinic, availability=None, any_time=True)
    assert course.appointments.count() == 6


def test_a_full_location_offers_another_location(clinic, staff, org):
    boston = Location.objects.get(organisation=org, name__endswith="Boston")
    equip_location(boston, staff)
    Chair.objects.filter(location=clinic["location"]).update(is_active=False)
    proposal = preview_course(
        staff["front_desk"],
        clinic["plan"].pk,
        appointment_type_id=clinic["iv"].pk,
        location_ids=[clinic["location"].pk],
        availability=MORNINGS,
    )
    assert not proposal.fits
    assert "no active chair" in proposal.reason
    assert any(a.kind == "location" and a.location_id == boston.pk for a in proposal.alternatives)
    assert proposal.constraint == "location"


def test_closed_dates_and_leave_are_respected(clinic, staff):
    first = clinic["plan"].sessions.get(sequence=1)
    ClosedDate.objects.create(location=clinic["location"], date=first.window_start)
    # IV session 1 has a one-day window: closed that day, the course cannot start on time.
    proposal = preview_course(
        staff["front_desk"],
        clinic["plan"].pk,
        appointment_type_id=clinic["iv"].pk,
        location_ids=[clinic["location"].pk],
        availability=MORNINGS,
    )
    assert not proposal.fits
    assert any(a.kind == "later_start" for a in proposal.alternatives)
    ClosedDate.objects.all().delete()
    # The only monitoring nurse is away on the day of session 2's earliest date: it moves to the next.
    second = clinic["plan"].sessions.get(sequence=2)
    zone = clinic["location"].zone
    StaffException.objects.create(
        user=staff["nurse"],
        is_available=False,
        starts_at=dt.datetime.combine(second.window_start, dt.time(0), tzinfo=zone),
        ends_at=dt.datetime.combine(second.window_start + dt.timedelta(days=1), dt.time(0), tzinfo=zone),
    )
    course = book(staff["front_desk"], clinic)
    assert local_dates(course)[1] == second.window_start + dt.timedelta(days=1)


def test_busy_chairs_are_avoided_and_bookings_never_overlap(clinic, staff, org, make_patient):
    # Fill both chairs on the first session's day from 08:00 to 12:00 with other patients.
    day = clinic["plan"].sessions.get(sequence=1).window_start
    zone = clinic["location"].zone
    from ketacare.scheduling.actions.booking import create_appointment

    with transaction.atomic():
        for number, chair in enumerate(clinic["chairs"]):
            for hour in (8, 10):
                create_appointment(
                    staff["front_desk"],
                    patient=make_patient(org, 50 + 10 * number + hour),
                    appointment_type=clinic["iv"],
                    location=clinic["location"],
                    chair=chair,
                    starts_at=dt.datetime.combine(day, dt.time(hour), tzinfo=zone),
                )
    course = book(staff["front_desk"], clinic, any_time=True)
    first = course.appointments.order_by("starts_at").first()
    assert first.starts_at.astimezone(zone) >= dt.datetime.combine(day, dt.time(12), tzinfo=zone)
    for appointment in Appointment.objects.filter(status="booked"):
        overlapping = Appointment.objects.filter(
            chair=appointment.chair,
            status="booked",
            starts_at__lt=appointment.chair_free_at,
            chair_free_at__gt=appointment.starts_at,
        ).exclude(pk=appointment.pk)
        assert not overlapping.exists()


def test_the_patients_own_other_appointments_are_avoided(clinic, staff):
    from ketacare.scheduling.actions.booking import create_appointment

    day = clinic["plan"].sessions.get(sequence=1).window_start
    zone = clinic["location"].zone
    consult = AppointmentType.objects.get(organisation=clinic["iv"].organisation, kind="consultation")
    StaffSkill.objects.create(user=staff["prescriber"], skill=Skill.CONSULT)
    with transaction.atomic():
        create_appointment(
            staff["front_desk"],
            patient=clinic["patient"],
            appointment_type=consult,
            location=clinic["location"],
            starts_at=dt.datetime.combine(day, dt.time(8), tzinfo=zone),
        )
    course = book(staff["front_desk"], clinic)
    first = course.appointments.order_by("starts_at").first()
    assert first.starts_at >= dt.datetime.combine(day, dt.time(9), tzinfo=zone)


def test_bad_input_names_the_field_and_changes_nothing(clinic, staff):
    for kwargs, field in [
        ({"availability": [{"days": ["someday"], "from": "08:00", "to": "13:00"}]}, "availability"),
        ({"availability": [{"days": ["mon"], "from": "13:00", "to": "08:00"}]}, "availability"),
        # Superscript digits: digits to str.isdigit(), not numbers to int().
        ({"availability": [{"days": ["mon"], "from": "08:00", "to": "1²:00"}]}, "availability"),
        ({"location_ids": []}, "location_ids"),
        ({"location_ids": [999999]}, "location_ids"),
        ({"shift_days": -3}, "shift_days"),
    ]:
        with pytest.raises(ValidationError) as refused:
            book(staff["front_desk"], clinic, **kwargs)
        assert field in refused.value.message_dict
    assert not Appointment.objects.exists() and not Course.objects.exists()


# ---------------------------------------------------------------------------
# Moving one session, cancelling the rest


def test_moving_a_session_within_its_window_keeps_the_course_valid(clinic, staff):
    course = book(staff["front_desk"], clinic)
    zone = clinic["location"].zone
    appointments = list(course.appointments.order_by("starts_at"))
    second = appointments[1]
    window = second.planned_session
    third_date = appointments[2].starts_at.astimezone(zone).date()
    target = window.window_end if (third_date - window.window_end).days >= 1 else window.window_start
    new_start = dt.datetime.combine(target, dt.time(9), tzinfo=zone)
    moved = courses.do_move_course_session(staff["front_desk"], second.pk, starts_at=new_start)
    assert moved.pk == second.pk and moved.starts_at == new_start
    assert course.appointments.filter(status="booked").count() == 6  # no ghost, no duplicate


def test_a_move_that_breaks_the_course_is_refused_with_the_rule(clinic, staff):
    course = book(staff["front_desk"], clinic)
    zone = clinic["location"].zone
    appointments = list(course.appointments.order_by("starts_at"))
    before = [(a.pk, a.starts_at) for a in appointments]
    third = appointments[2]
    # Onto the same day as session 2: breaks its window or the spacing.
    clash = dt.datetime.combine(appointments[1].starts_at.astimezone(zone).date(), dt.time(15), tzinfo=zone)
    with pytest.raises(ValidationError, match="break the course"):
        courses.do_move_course_session(staff["front_desk"], third.pk, starts_at=clash)
    # Far outside its window.
    with pytest.raises(ValidationError, match="planned window"):
        courses.do_move_course_session(staff["front_desk"], third.pk, starts_at=third.starts_at + dt.timedelta(days=30))
    assert [(a.pk, a.starts_at) for a in course.appointments.order_by("starts_at")] == before


def test_a_move_into_a_taken_chair_is_refused(clinic, staff, org, make_patient):
    course = book(staff["front_desk"], clinic)
    appointment = course.appointments.order_by("starts_at")[1]
    from ketacare.scheduling.actions.booking import create_appointment

    later = appointment.starts_at + dt.timedelta(hours=3)
    with transaction.atomic():
        for number, chair in enumerate(clinic["chairs"]):
            create_appointment(
                staff["front_desk"],
                patient=make_patient(org, 60 + number),
                appointment_type=clinic["iv"],
                location=clinic["location"],
                chair=chair,
                starts_at=later,
            )
    with pytest.raises(ValidationError):
        courses.do_move_course_session(staff["front_desk"], appointment.pk, starts_at=later)
    appointment.refresh_from_db()
    assert appointment.starts_at == later - dt.timedelta(hours=3)


def test_cancelling_the_rest_of_a_course_in_one_step(clinic, staff):
    course = book(staff["front_desk"], clinic)
    cancelled = courses.do_cancel_rest_of_course(staff["front_desk"], course.pk, reason="Patient moved away")
    assert len(cancelled) == 6
    assert not course.appointments.filter(status__in=["booked", "checked_in", "completed"]).exists()
    course.refresh_from_db()
    assert course.cancelled_at is not None
    with pytest.raises(ValidationError):
        courses.do_cancel_rest_of_course(staff["front_desk"], course.pk, reason="again")
    # The plan can be booked again afterwards, with no duplicate live appointment per session.
    again = book(staff["front_desk"], clinic)
    assert again.appointments.filter(status="booked").count() == 6
    assert set(
        Appointment.objects.filter(
            status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED]
        ).values_list("course_id", flat=True)
    ) == {course.pk}


def test_cancel_needs_a_reason_and_the_organisation(clinic, staff, other_staff):
    course = book(staff["front_desk"], clinic)
    with pytest.raises(ValidationError):
        courses.do_cancel_rest_of_course(staff["front_desk"], course.pk, reason=" ")
    with pytest.raises(Http404):
        courses.do_cancel_rest_of_course(other_staff["front_desk"], course.pk, reason="x")
    assert course.appointments.filter(status="booked").count() == 6


def test_patients_cannot_book(clinic, patient):
    with pytest.raises(PermissionDenied):
        book(patient.user, clinic)


# ---------------------------------------------------------------------------
# Adapter


def test_the_adapter_writes_a_valid_instance_with_bookings_and_hours(clinic, staff, second_patient):
    from ketacare.scheduling.actions.booking import create_appointment

    day = clinic["plan"].sessions.get(sequence=1).window_start
    zone = clinic["location"].zone
    with transaction.atomic():
        create_appointment(
            staff["front_desk"],
            patient=second_patient,
            appointment_type=clinic["iv"],
            location=clinic["location"],
            chair=clinic["chairs"][0],
            starts_at=dt.datetime.combine(day, dt.time(9), tzinfo=zone),
        )
    instance = solver_input.build_instances_from_db(
        clinic["iv"], [clinic["location"]], day, day + dt.timedelta(days=6)
    )[0]
    parse_instance(instance.data)
    data = instance.data
    assert data["timezone"] == "America/Los_Angeles"
    location = data["locations"][0]
    assert location["hours"]["mon"] == ["08:00", "18:00"] and "sun" not in location["hours"]
    assert location["chairs"] == [solver_input.chair_key(c.pk) for c in clinic["chairs"]]
    assert [n["shifts"].get("mon") for n in location["nurses"]] == [["08:00", "18:00"]]
    # Chair occupancy: 15 + 40 + 45 minutes of the patient plus 15 turnover.
    assert data["booked"] == [
        {
            "location": location["id"],
            "chair": solver_input.chair_key(clinic["chairs"][0].pk),
            "start": f"{day.isoformat()}T09:00",
            "minutes": 115,
        }
    ]


def test_the_adapter_narrows_hours_to_the_prescriber_and_splits_zones(clinic, staff, org):
    boston = Location.objects.get(organisation=org, name__endswith="Boston")
    equip_location(boston, staff)
    StaffShift.objects.filter(user=staff["prescriber"], location=boston).update(
        starts_at=dt.time(10), ends_at=dt.time(14)
    )
    day = next_monday(2)
    instances = solver_input.build_instances_from_db(
        clinic["iv"], [clinic["location"], boston], day, day + dt.timedelta(days=6)
    )
    assert sorted(i.zone_name for i in instances) == ["America/Los_Angeles", "America/New_York"]
    east = next(i for i in instances if i.zone_name == "America/New_York")
    # IV needs a prescriber on site (clinic policy setting): Boston's hours shrink to the prescriber's.
    assert east.data["locations"][0]["hours"]["tue"] == ["10:00", "14:00"]


def test_a_later_start_alternative_books_in_shifted_windows_and_moves_keep_them(clinic, staff):
    first = clinic["plan"].sessions.get(sequence=1)
    ClosedDate.objects.create(location=clinic["location"], date=first.window_start)
    proposal = preview_course(
        staff["front_desk"],
        clinic["plan"].pk,
        appointment_type_id=clinic["iv"].pk,
        location_ids=[clinic["location"].pk],
        availability=MORNINGS,
    )
    later = next(a for a in proposal.alternatives if a.kind == "later_start")
    assert proposal.constraint == "dates" and later.shift_days == 7
    course = book(staff["front_desk"], clinic, shift_days=later.shift_days)
    shift = dt.timedelta(days=7)
    zone = clinic["location"].zone
    appointments = list(course.appointments.order_by("starts_at").select_related("planned_session"))
    for appointment in appointments:
        session = appointment.planned_session
        assert (
            session.window_start + shift <= appointment.starts_at.astimezone(zone).date() <= session.window_end + shift
        )
    # A session may not move back towards its unshifted window.
    with pytest.raises(ValidationError, match="planned window"):
        courses.do_move_course_session(
            staff["front_desk"], appointments[-1].pk, starts_at=appointments[-1].starts_at - dt.timedelta(days=9)
        )


def test_weekly_encoding_of_a_longer_range_never_overstates_nurses(clinic, staff):
    """Two hours of leave on one Tuesday shorten every Tuesday of a two-week instance (and that one of a week)."""
    day = next_monday(2)
    tuesday = day + dt.timedelta(days=1)
    zone = clinic["location"].zone
    StaffException.objects.create(
        user=staff["nurse"],
        is_available=False,
        starts_at=dt.datetime.combine(tuesday, dt.time(12), tzinfo=zone),
        ends_at=dt.datetime.combine(tuesday, dt.time(14), tzinfo=zone),
    )
    short = solver_input.build_instances_from_db(clinic["iv"], [clinic["location"]], day, day + dt.timedelta(days=6))[0]
    long = solver_input.build_instances_from_db(clinic["iv"], [clinic["location"]], day, day + dt.timedelta(days=13))[0]
    for instance in (short, long):
        nurses = instance.data["locations"][0]["nurses"]
        # Two stretches that Tuesday: two capacity units, each with its own part of the day.
        assert sorted(n["shifts"]["tue"] for n in nurses if "tue" in n["shifts"]) == [
            ["08:00", "12:00"],
            ["14:00", "18:00"],
        ]
        parse_instance(instance.data)
