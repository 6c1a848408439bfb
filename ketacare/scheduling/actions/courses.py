"""Every write of whole courses: book a plan's course, move one session, cancel the rest.

A course is all or nothing: its sessions are proposed (proposals.py) after its locations are
locked, then each is re-checked by the booking rules and all are inserted together, in one
transaction and a number of statements that does not grow with the course (book_placements).
"""

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import audit_event, record_event, record_events
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.lib.text import clean_reason
from ketacare.protocols.actions import BookedSession, assign_booked_sessions_questionnaires
from ketacare.protocols.models import PlannedSession
from ketacare.scheduling.actions import booking
from ketacare.scheduling.domain.availability import SlotContext, check_candidate
from ketacare.scheduling.models import Appointment, AppointmentStatus, Chair, Course
from ketacare.scheduling.proposals import CourseAttempt, CourseProposal, propose_course
from ketacare.scheduling.selectors.booking import access_appointment_by_id, load_slot_context, refusal, type_needs
from ketacare.scheduling.selectors.courses import (
    access_course_by_id,
    access_plan_for_booking,
    clean_course_inputs,
    course_appointments,
    course_request,
    min_days_between,
    other_locations,
    refuse_if_plan_booked,
    refuse_unless_plan_active_for,
)
from ketacare.scheduling.selectors.resources import scheduling_settings


class CourseDoesNotFit(ValidationError):
    """No full course fits; `.proposal` carries the reason and the alternatives."""

    def __init__(self, proposal: CourseProposal):
        super().__init__({"course": proposal.reason})
        self.proposal = proposal


@transaction.atomic
def do_book_course(
    actor,
    plan_id: int,
    *,
    appointment_type_id: int,
    location_ids: list[int],
    availability=None,
    shift_days: int = 0,
    any_time: bool = False,
) -> Course:
    """Book every planned session of a plan in one course, all or nothing."""
    require_permission(actor, Permission.SCHEDULE_BOOK)
    plan = access_plan_for_booking(actor, plan_id, for_update=True)
    appointment_type, locations, availability = clean_course_inputs(
        actor, appointment_type_id, location_ids, availability, shift_days, any_time
    )
    refuse_if_plan_booked(plan)
    refuse_unless_plan_active_for(plan, appointment_type)
    request = course_request(plan, appointment_type, availability, shift_days)
    # Locked before reading: what the solver sees stays true until this transaction commits.
    for location in sorted(locations, key=lambda loc: loc.pk):
        booking.lock_location(location)
    proposal = propose_course(request, locations, alternatives_from=other_locations(actor))
    if not proposal.fits:
        raise CourseDoesNotFit(proposal)
    attempt = proposal.attempt
    course = Course.objects.create(
        organisation_id=actor.organisation_id,
        patient=plan.patient,
        plan=plan,
        appointment_type=appointment_type,
        location=attempt.location,
        created_by=actor,
    )
    course_created = audit_event(
        actor,
        AuditAction.CREATE,
        course,
        patient=plan.patient,
        detail={
            "plan_id": plan.pk,
            "location_id": attempt.location.pk,
            "sessions": len(attempt.placements),
            "shift_days": shift_days,
            "availability": availability,
        },
    )
    book_placements(actor, course, attempt, locked_ctx=attempt.ctx, audit_first=[course_created])
    return course


def book_placements(
    actor,
    course: Course,
    attempt: CourseAttempt,
    *,
    locked_ctx: SlotContext | None = None,
    audit_first: Sequence[AuditEntry] = (),
) -> list[Appointment]:
    """The final inserts of a course: the same rules and guards as booking.create_appointment, with
    one snapshot for the whole course instead of one per session (the benchmark's p95 needs it), in
    a number of statements that does not grow with the course's length.

    The location lock is taken first (or was, by the caller that passes `locked_ctx`, the snapshot it
    read after locking), so the snapshot is current for every booker that locks the location; each
    session is checked with the booking rules (check_candidate), the patient's other appointments
    are read once for all sessions, and every session is inserted in ONE statement in a savepoint,
    where PostgreSQL's exclusion constraints turn a race into SlotConflict for the whole course.
    Sessions of a course are on different days, so they cannot clash with each other. The caller's
    audit entries (`audit_first`: the course's) and the sessions' are one append, the sessions'
    questionnaires one batch (protocols.assign_booked_sessions_questionnaires).
    """
    location, appointment_type = course.location, course.appointment_type
    booking.refuse_without_active_plan(course.patient, appointment_type, field="course")
    settings = scheduling_settings(course.organisation_id)
    needs = type_needs(appointment_type, settings)
    zone = location.zone
    ctx = locked_ctx
    if ctx is None:
        booking.lock_location(location)
        dates = [p.starts_at.astimezone(zone).date() for p in attempt.placements]
        ctx = load_slot_context(location, min(dates), max(dates), settings=settings)
    # With what the questionnaires of each session need (its plan's template and patient).
    planned = PlannedSession.objects.select_related("plan__template", "plan__patient__organisation").in_bulk(
        [p.planned_session_id for p in attempt.placements if p.planned_session_id]
    )
    checked = []
    for placement in attempt.placements:
        check = check_candidate(ctx, needs, placement.starts_at, chair_id=placement.chair_id)
        if not check.ok:
            error = refusal(check)
            when = placement.starts_at.astimezone(zone)
            message = (
                f"Session {placement.sequence} ({when:%a %d %b %H:%M}) cannot be booked: "
                f"{' '.join(error.messages)} Nothing was booked; try again."
            )
            raise type(error)({"course": [message]})
        checked.append((placement, check))
    booking.check_patient_free_at(course.patient, [(check.starts_at, check.ends_at) for _, check in checked])
    appointments = [
        Appointment(
            organisation_id=course.organisation_id,
            location=location,
            patient=course.patient,
            appointment_type=appointment_type,
            course=course,
            planned_session=planned.get(placement.planned_session_id),
            starts_at=check.starts_at,
            ends_at=check.ends_at,
            chair_id=check.chair_id,
            chair_free_at=check.chair_free_at,
            clinician_id=check.clinician_id,
            monitoring_nurse_id=check.monitoring_nurse_id,
            created_by=actor,
        )
        for placement, check in checked
    ]
    booking.insert_in_savepoint(appointments)
    record_events(
        [
            *audit_first,
            *(
                audit_event(
                    actor,
                    AuditAction.CREATE,
                    appointment,
                    patient=course.patient,
                    detail={
                        "type": appointment_type.name,
                        "location_id": location.pk,
                        "starts_at": appointment.starts_at.isoformat(),
                        "ends_at": appointment.ends_at.isoformat(),
                        "chair_id": appointment.chair_id,
                        "clinician_id": appointment.clinician_id,
                        "monitoring_nurse_id": appointment.monitoring_nurse_id,
                        "course_id": course.pk,
                        "planned_session_id": appointment.planned_session_id,
                    },
                )
                for appointment in appointments
            ),
        ]
    )
    assign_booked_sessions_questionnaires(
        actor,
        [
            BookedSession(appointment.planned_session, booking.session_key(appointment), appointment.starts_at, zone)
            for appointment in appointments
            if appointment.planned_session_id
        ],
    )
    booking.schedule_open_inquiries(actor, course.patient)
    return appointments


def _course_shift_days(course: Course, appointments: list[Appointment]) -> int:
    """How far a course booked with a later start moved its plan's windows (0 for one booked in them).

    The first session was booked inside [window_start + shift, window_end + shift] of session 1;
    date - window_end is at most the shift, so the windows are never stretched beyond it.
    """
    firsts = [a for a in appointments if a.planned_session_id and a.planned_session.sequence == 1]
    if not firsts:
        return 0
    first = min(firsts, key=lambda a: a.created_at)
    local = first.starts_at.astimezone(first.location.zone).date()
    return max(0, (local - first.planned_session.window_end).days)


def course_rule_problem(course: Course, appointments: list[Appointment], moving: Appointment, new_date: dt.date) -> str:
    """Why moving one session to new_date would break its course (window or spacing), or ""."""
    zone = course.location.zone
    gap = min_days_between(course)
    if moving.planned_session_id:
        shift = dt.timedelta(days=_course_shift_days(course, appointments))
        session = moving.planned_session
        start, end = session.window_start + shift, session.window_end + shift
        if not start <= new_date <= end:
            return (
                f"Session {session.sequence} must be between {start:%a %d %b} and {end:%a %d %b} "
                f"(its planned window); {new_date:%a %d %b} is outside it."
            )
    others = sorted((a for a in appointments if a.pk != moving.pk and a.is_active), key=lambda a: a.starts_at)
    before = [a for a in others if a.starts_at < moving.starts_at]
    after = [a for a in others if a.starts_at > moving.starts_at]
    if before:
        previous = before[-1].starts_at.astimezone(zone).date()
        if (new_date - previous).days < gap:
            return (
                f"The session before is on {previous:%a %d %b}; sessions of this course must be at least "
                f"{gap} day(s) apart and keep their order."
            )
    if after:
        following = after[0].starts_at.astimezone(zone).date()
        if (following - new_date).days < gap:
            return (
                f"The session after is on {following:%a %d %b}; sessions of this course must be at least "
                f"{gap} day(s) apart and keep their order."
            )
    return ""


@transaction.atomic
def do_move_course_session(
    actor, appointment_id: int, *, starts_at: dt.datetime, chair_id: int | None = None, reason: str = ""
) -> Appointment:
    """Move one session of a course; the rest of the course must stay valid (windows, spacing, order)."""
    require_permission(actor, Permission.SCHEDULE_BOOK)
    if not isinstance(starts_at, dt.datetime) or starts_at.tzinfo is None:
        raise ValidationError({"starts_at": "Enter a date and time."})
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": "The new start is in the past."})
    appointment = access_appointment_by_id(actor, appointment_id, audit=False, for_update=True)
    if appointment.course_id is None:
        raise ValidationError({"appointment_id": "This appointment is not part of a course; move it on its own page."})
    course = access_course_by_id(actor, appointment.course_id, for_update=True)
    if course.cancelled_at is not None:
        raise ValidationError({"appointment_id": "The rest of this course was cancelled."})
    chair = None
    if chair_id is not None:
        chair = Chair.objects.filter(pk=chair_id, location=course.location, is_active=True).first()
        if chair is None:
            raise ValidationError({"chair_id": f"Not an active chair at {course.location.name}."})
    appointments = course_appointments(course)
    new_date = starts_at.astimezone(course.location.zone).date()
    problem = course_rule_problem(course, appointments, appointment, new_date)
    if problem:
        raise ValidationError({"starts_at": f"Moving this session would break the course: {problem}"})
    return booking.move_appointment(
        actor, appointment, starts_at=starts_at, chair=chair, reason=reason or f"Moved within course {course.pk}"
    )


@transaction.atomic
def do_cancel_rest_of_course(actor, course_id: int, *, reason: str) -> list[Appointment]:
    """Cancel every booked session of the course that has not started yet, in one step."""
    require_permission(actor, Permission.SCHEDULE_BOOK)
    course = access_course_by_id(actor, course_id, for_update=True)
    if course.cancelled_at is not None:
        raise ValidationError({"course_id": "The rest of this course is already cancelled."})
    reason = clean_reason(reason)
    now = timezone.now()
    upcoming = list(
        course.appointments.select_for_update()
        .filter(status=AppointmentStatus.BOOKED, starts_at__gt=now)
        .select_related("patient", "location", "appointment_type")
        .order_by("starts_at")
    )
    cancelled = [booking.cancel_appointment(actor, appointment, reason) for appointment in upcoming]
    course.cancelled_at, course.cancelled_reason = now, reason
    course.save(update_fields=["cancelled_at", "cancelled_reason"])
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        course,
        patient=course.patient,
        detail={
            "status": "cancelled",
            "reason": course.cancelled_reason,
            "appointments_cancelled": [a.pk for a in cancelled],
        },
    )
    return cancelled
