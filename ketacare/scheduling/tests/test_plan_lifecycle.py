"""Courses and the waitlist need a started plan for the route (issue 14.2); a plan's questionnaires follow its
booked sessions, a booking schedules the patient's request, a completed visit counts towards the end of the
induction (issue 14.7)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.inquiries.models import Inquiry, InquiryStatus
from ketacare.measures.models import QuestionnaireAssignment
from ketacare.protocols import actions as protocols_actions
from ketacare.scheduling.actions import courses, waitlist
from ketacare.scheduling.actions.booking import complete_appointment
from ketacare.scheduling.models import AppointmentType, Course, WaitlistEntry
from ketacare.scheduling.tests.test_courses import MORNINGS, book, build_clinic, next_monday


@pytest.fixture
def clinic(org, staff, patient, make_treatment_plan):
    return build_clinic(org, staff, patient, make_treatment_plan)


def waitlist_values(clinic, patient, **extra):
    return {
        "patient_id": patient.pk,
        "appointment_type_id": clinic["iv"].pk,
        "location_ids": [clinic["location"].pk],
        "earliest_date": timezone.localdate() + dt.timedelta(days=1),
        "availability": MORNINGS,
        **extra,
    }


# ---------------------------------------------------------------------------
# Refusals


def test_a_course_is_not_booked_for_a_plan_that_has_not_started(clinic, staff, org, make_patient, make_plan_ready):
    other = make_patient(org, 30, home_location=clinic["location"])
    make_plan_ready(other, "iv", staff["prescriber"])
    template = clinic["plan"].template
    proposed = protocols_actions.do_create_plan_from_template(
        staff["prescriber"], other.pk, template_id=template.pk, start_date=next_monday()
    )
    with pytest.raises(ValidationError) as error:
        courses.do_book_course(
            staff["front_desk"],
            proposed.pk,
            appointment_type_id=clinic["iv"].pk,
            location_ids=[clinic["location"].pk],
            availability=MORNINGS,
        )
    assert "a prescriber starts the plan first" in error.value.message_dict["plan_id"][0]
    assert not Course.objects.exists()


def test_a_course_is_booked_only_as_sessions_of_the_plans_route(clinic, staff, org):
    esketamine = AppointmentType.objects.get(organisation=org, kind="esketamine")
    with pytest.raises(ValidationError) as error:
        book(staff["front_desk"], clinic, appointment_type_id=esketamine.pk)
    assert "IV infusion" in error.value.message_dict["appointment_type_id"][0]
    assert not Course.objects.exists()


def test_the_waitlist_refuses_a_patient_without_a_started_plan_for_the_route(clinic, staff, org, make_patient):
    nobody = make_patient(org, 31)
    with pytest.raises(ValidationError) as error:
        waitlist.do_add_to_waitlist(staff["front_desk"], **waitlist_values(clinic, nobody))
    assert "has no active treatment plan for IV infusion" in error.value.message_dict["patient_id"][0]
    assert "Treatment plans page" in error.value.message_dict["patient_id"][0]
    assert not WaitlistEntry.objects.exists()


def test_the_waitlist_does_not_book_a_patient_whose_plan_stopped_meanwhile(clinic, staff):
    entry = waitlist.do_add_to_waitlist(staff["front_desk"], **waitlist_values(clinic, clinic["patient"]))
    protocols_actions.do_change_plan_status(
        staff["prescriber"], clinic["plan"].pk, status="stopped", reason="Patient withdrew"
    )
    run = waitlist.do_schedule_waitlist(staff["front_desk"], weeks=4)
    assert [e.pk for e in run.not_booked] == [entry.pk] and not run.booked
    entry.refresh_from_db()
    assert entry.status == "waiting" and "no active treatment plan" in entry.last_unscheduled_reason
    assert not Course.objects.exists()


# ---------------------------------------------------------------------------
# Questionnaires follow the booked sessions


def due_by_session(patient):
    rows = QuestionnaireAssignment.objects.filter(patient=patient).order_by("due_at", "instrument")
    by_session: dict[str, list[QuestionnaireAssignment]] = {}
    for assignment in rows:
        by_session.setdefault(assignment.session_key, []).append(assignment)
    return by_session


def test_questionnaires_fall_due_on_the_booked_days_move_with_a_session_and_go_with_a_cancelled_one(clinic, staff):
    patient, zone = clinic["patient"], clinic["location"].zone
    assert not QuestionnaireAssignment.objects.filter(patient=patient).exists()  # started, nothing booked yet
    course = book(staff["front_desk"], clinic)
    appointments = list(course.appointments.order_by("starts_at").select_related("planned_session"))
    by_session = due_by_session(patient)
    assert len(by_session) == 6
    for appointment in appointments:
        assignments = by_session[f"scheduling.appointment:{appointment.pk}"]
        assert {a.instrument for a in assignments} == {"phq9", "gad7"}
        expected = "baseline" if appointment.planned_session.sequence == 1 else "before_session"
        assert {a.reason for a in assignments} == {expected}
        local_day = appointment.starts_at.astimezone(zone).date()
        assert {a.due_at.astimezone(zone).date() for a in assignments} == {local_day}
        assert all(a.due_at <= appointment.starts_at for a in assignments)
        assert {a.plan_key for a in assignments} == {f"protocols.treatmentplan:{clinic['plan'].pk}"}

    # Session 2 moves within its window: its questionnaires move with it.
    second, third = appointments[1], appointments[2]
    window = second.planned_session
    third_day = third.starts_at.astimezone(zone).date()
    old_day = second.starts_at.astimezone(zone).date()
    span_days = (window.window_end - window.window_start).days
    window_days = [window.window_start + dt.timedelta(days=n) for n in range(span_days + 1)]
    first_day = appointments[0].starts_at.astimezone(zone).date()
    target = next(day for day in window_days if day != old_day and first_day < day and (third_day - day).days >= 1)
    courses.do_move_course_session(
        staff["front_desk"], second.pk, starts_at=dt.datetime.combine(target, dt.time(10), tzinfo=zone)
    )
    moved = due_by_session(patient)[f"scheduling.appointment:{second.pk}"]
    assert {a.due_at.astimezone(zone) for a in moved} == {dt.datetime.combine(target, dt.time(8), tzinfo=zone)}

    # The rest of the course is cancelled: its pending questionnaires are cancelled with it.
    courses.do_cancel_rest_of_course(staff["front_desk"], course.pk, reason="Moving away")
    statuses = {a.status for a in QuestionnaireAssignment.objects.filter(patient=patient)}
    assert statuses == {"cancelled"}


def test_booking_a_course_schedules_the_patients_request(clinic, staff, org, audit_entries):
    patient = clinic["patient"]
    request = Inquiry.objects.create(
        organisation=org,
        first_name=patient.first_name,
        last_name=patient.last_name,
        date_of_birth=patient.date_of_birth,
        status=InquiryStatus.CONTACTED,
        patient=patient,
    )
    book(staff["front_desk"], clinic)
    request.refresh_from_db()
    assert request.status == InquiryStatus.SCHEDULED
    [entry] = [e for e in audit_entries(object_type="inquiries.inquiry") if e.detail.get("automatic")]
    assert entry.detail["from"] == "contacted" and entry.detail["to"] == "scheduled"


def test_a_completed_visit_counts_towards_the_end_of_the_induction(clinic, staff):
    course = book(staff["front_desk"], clinic)
    first = course.appointments.order_by("starts_at").first()
    with transaction.atomic():
        complete_appointment(staff["nurse"], first)
    first.planned_session.refresh_from_db()
    assert first.planned_session.completed_at is not None
    assert clinic["plan"].sessions.filter(completed_at__isnull=False).count() == 1
