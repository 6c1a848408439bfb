"""Every write of single appointments (book, move, cancel, check in, complete): checked, one transaction, audited.

Never a double booking: a booking transaction first locks its location's row (PostgreSQL: FOR
UPDATE; SQLite: the transaction already holds the write lock from BEGIN IMMEDIATE), then checks
every rule, then inserts. The PostgreSQL exclusion constraints (migration 0003) are the last
line: an IntegrityError from them, caught in a savepoint, becomes the same conflict message.
"""

import datetime as dt
from collections.abc import Sequence
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.inquiries.actions import advance_inquiries_of_patient
from ketacare.inquiries.models import InquiryStatus
from ketacare.lib.text import clean_reason, clean_text
from ketacare.measures.actions import do_close_questionnaires, do_move_session_questionnaires
from ketacare.patients.selectors import access_patient_by_id
from ketacare.protocols.actions import (
    assign_session_questionnaires,
    mark_planned_session_completed,
    questionnaire_due_at,
)
from ketacare.protocols.domain.plan_status import PlanStatus
from ketacare.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Chair,
)
from ketacare.scheduling.selectors.booking import SlotConflict, access_appointment_by_id, check_slot, refusal
from ketacare.scheduling.selectors.courses import ROUTE_KIND
from ketacare.scheduling.selectors.resources import (
    access_appointment_type_by_id,
    access_chair_by_id,
    access_location_by_id,
    access_staff_by_id,
    scheduling_settings,
)

# Bookings further ahead than this are almost certainly a typo in the year.
MAX_DAYS_AHEAD = 730
CONSTRAINT_FIELDS = {
    "appointment_no_chair_overlap": ("chair", "The chair was booked by someone else for this time a moment ago."),
    "appointment_no_clinician_overlap": (
        "clinician",
        "The clinician was booked by someone else for this time a moment ago.",
    ),
    "appointment_one_live_per_planned_session": (
        "planned_session",
        "This planned session already has a live appointment.",
    ),
}


def field_lookup(field: str, read, *args, **kwargs):
    """A referenced object through its selector; not found becomes an error naming the field."""
    try:
        return read(*args, **kwargs)
    except Http404:
        raise ValidationError({field: "Not found in your clinic."}) from None


def _check_start(starts_at) -> None:
    if not isinstance(starts_at, dt.datetime) or starts_at.tzinfo is None:
        raise ValidationError({"starts_at": "Enter a date and time."})
    # Checked first: comparing a year-1 or year-9999 time across zones overflows.
    if not 2000 <= starts_at.year <= 2100:
        raise ValidationError({"starts_at": "Enter a date between 2000 and 2100."})
    now = timezone.now()
    if starts_at < now:
        raise ValidationError({"starts_at": "The start is in the past."})
    if starts_at > now + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError({"starts_at": f"Book at most {MAX_DAYS_AHEAD} days ahead."})


def lock_location(location: Location) -> None:
    """Serialise bookings at one location (the monitoring ratio and prescriber rules span chairs)."""
    list(Location.objects.select_for_update().filter(pk=location.pk).values_list("pk", flat=True))


def check_patient_free(patient, starts_at: dt.datetime, ends_at: dt.datetime, exclude_id: int | None = None) -> None:
    """A patient is in one place at a time."""
    check_patient_free_at(patient, [(starts_at, ends_at)], exclude_id)


def check_patient_free_at(
    patient, spans: Sequence[tuple[dt.datetime, dt.datetime]], exclude_id: int | None = None
) -> None:
    """check_patient_free for several (start, end) spans at once (a course's sessions): one query."""
    overlapping = Q()
    for starts_at, ends_at in spans:
        overlapping |= Q(starts_at__lt=ends_at, ends_at__gt=starts_at)
    clash = (
        Appointment.objects.filter(overlapping, patient=patient, status__in=ACTIVE_STATUSES)
        .exclude(pk=exclude_id)
        .select_related("location", "appointment_type")
        .first()
    )
    if clash is not None:
        zone = clash.location.zone
        raise SlotConflict(
            {
                "patient": (
                    f"{patient.full_name} already has {clash.appointment_type.name} at {clash.location.name} "
                    f"{clash.starts_at.astimezone(zone):%a %d %b %Y %H:%M}–{clash.ends_at.astimezone(zone):%H:%M}."
                )
            }
        )


def refuse_without_active_plan(patient, appointment_type: AppointmentType, *, field: str = "patient") -> None:
    """A course of treatment sessions (a plan's course, the waitlist) only for a patient whose plan for its
    route is active (issue 14.2): the plan is where candidacy approval and today's weight were checked.
    Consultations and therapy need none."""
    routes = [route for route, kind in ROUTE_KIND.items() if kind == appointment_type.kind]
    if not routes or patient.treatment_plans.filter(status=PlanStatus.ACTIVE, template__route__in=routes).exists():
        return
    raise ValidationError(
        {
            field: f"{patient.full_name} has no active treatment plan for {appointment_type.get_kind_display()}. "
            "A prescriber starts one on the patient's Treatment plans page (it needs an approved candidacy "
            "decision for the route and today's weight)."
        }
    )


def session_key(appointment: Appointment) -> str:
    """How measures' questionnaire assignments name the booked session they are due before."""
    return f"scheduling.appointment:{appointment.pk}"


def assign_questionnaires_for(actor, appointment: Appointment) -> None:
    """A plan's session was booked: its protocol questionnaires fall due on the booked day (issue 14.7)."""
    if appointment.planned_session_id:
        assign_session_questionnaires(
            actor,
            appointment.planned_session,
            session_key=session_key(appointment),
            starts_at=appointment.starts_at,
            zone=appointment.location.zone,
        )


def schedule_open_inquiries(actor, patient) -> None:
    """Booking the patient moves their open consultation request to "scheduled" (issue 14.7)."""
    advance_inquiries_of_patient(actor, patient, InquiryStatus.SCHEDULED, because="Appointment booked")


@contextmanager
def _conflicts_named():
    """A savepoint in which an exclusion constraint's refusal becomes the SlotConflict naming its field."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        text = str(exc)
        for name, (field, message) in CONSTRAINT_FIELDS.items():
            if name in text:
                raise SlotConflict({field: message}) from None
        raise


def save_in_savepoint(appointment: Appointment, **save_kwargs) -> None:
    with _conflicts_named():
        appointment.save(**save_kwargs)


def insert_in_savepoint(appointments: Sequence[Appointment]) -> None:
    """Insert new appointments in one statement, refused as a whole when any of them clashes."""
    with _conflicts_named():
        Appointment.objects.bulk_create(appointments)


# ---------------------------------------------------------------------------
# Appointments: the internals other parts of scheduling reuse (courses, the waitlist)


def create_appointment(
    actor,
    *,
    patient,
    appointment_type: AppointmentType,
    location: Location,
    starts_at: dt.datetime,
    chair: Chair | None = None,
    clinician=None,
    course=None,
    planned_session=None,
    notes: str = "",
) -> Appointment:
    """Check every rule and insert one appointment; call inside the caller's transaction.atomic.

    Raises SlotConflict (taken by another booking) or ValidationError (breaks a rule), each keyed
    by field; nothing is written then.
    """
    require_permission(actor, Permission.SCHEDULE_BOOK)
    org_id = actor.organisation_id
    if patient.organisation_id != org_id:
        raise ValidationError({"patient": "Not a patient of your clinic."})
    if location.organisation_id != org_id or not location.is_active:
        raise ValidationError({"location": "Not an active location of your clinic."})
    if appointment_type.organisation_id != org_id or not appointment_type.is_active:
        raise ValidationError({"appointment_type": "Not an active appointment type of your clinic."})
    lock_location(location)
    check = check_slot(location, appointment_type, starts_at, chair=chair, clinician=clinician)
    if not check.ok:
        raise refusal(check)
    check_patient_free(patient, check.starts_at, check.ends_at)
    appointment = Appointment(
        organisation_id=org_id,
        location=location,
        patient=patient,
        appointment_type=appointment_type,
        course=course,
        planned_session=planned_session,
        starts_at=check.starts_at,
        ends_at=check.ends_at,
        chair_id=check.chair_id,
        chair_free_at=check.chair_free_at,
        clinician_id=check.clinician_id,
        monitoring_nurse_id=check.monitoring_nurse_id,
        notes=notes,
        created_by=actor,
    )
    save_in_savepoint(appointment, force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        appointment,
        patient=patient,
        detail={
            "type": appointment_type.name,
            "location_id": location.pk,
            "starts_at": check.starts_at.isoformat(),
            "ends_at": check.ends_at.isoformat(),
            "chair_id": check.chair_id,
            "clinician_id": check.clinician_id,
            "monitoring_nurse_id": check.monitoring_nurse_id,
            "course_id": getattr(course, "pk", None),
        },
    )
    assign_questionnaires_for(actor, appointment)
    schedule_open_inquiries(actor, patient)
    return appointment


def move_appointment(
    actor,
    appointment: Appointment,
    *,
    starts_at: dt.datetime,
    chair: Chair | None = None,
    clinician=None,
    reason: str = "",
) -> Appointment:
    """Re-check every rule at the new time (the appointment itself not counted) and move it.

    Without a chair or clinician given, the current ones are kept when still free, else others picked;
    likewise the monitoring nurse (none free: the nurse is cleared, to be assigned on the appointment page).
    """
    require_permission(actor, Permission.SCHEDULE_BOOK)
    reason = clean_reason(reason, required=False)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            {
                "status": f"Only a booked appointment can be moved; this one is {appointment.get_status_display().lower()}."
            }
        )
    location = appointment.location
    lock_location(location)
    exclude = [appointment.pk]
    kwargs = {
        "chair": chair or appointment.chair,
        "clinician": clinician or appointment.clinician,
        "monitoring_nurse": appointment.monitoring_nurse,
    }
    check = check_slot(location, appointment.appointment_type, starts_at, exclude_appointment_ids=exclude, **kwargs)
    # The current chair, clinician or nurse is busy at the new time: let the check pick another.
    fields = {p.field for p in check.problems}
    if chair is None and "chair" in fields:
        kwargs["chair"] = None
    if clinician is None and "clinician" in fields:
        kwargs["clinician"] = None
    if "monitoring_nurse" in fields:
        kwargs["monitoring_nurse"] = None
    if not check.ok and None in kwargs.values():
        check = check_slot(location, appointment.appointment_type, starts_at, exclude_appointment_ids=exclude, **kwargs)
    if not check.ok:
        raise refusal(check)
    check_patient_free(appointment.patient, check.starts_at, check.ends_at, exclude_id=appointment.pk)
    before = {
        "starts_at": appointment.starts_at.isoformat(),
        "chair_id": appointment.chair_id,
        "clinician_id": appointment.clinician_id,
    }
    appointment.starts_at, appointment.ends_at = check.starts_at, check.ends_at
    appointment.chair_id, appointment.chair_free_at = check.chair_id, check.chair_free_at
    appointment.clinician_id = check.clinician_id
    appointment.monitoring_nurse_id = check.monitoring_nurse_id
    save_in_savepoint(
        appointment,
        update_fields=[
            "starts_at",
            "ends_at",
            "chair",
            "chair_free_at",
            "clinician",
            "monitoring_nurse",
            "updated_at",
        ],
    )
    record_event(
        actor,
        AuditAction.UPDATE,
        appointment,
        patient=appointment.patient,
        detail={
            "moved_from": before,
            "moved_to": {
                "starts_at": check.starts_at.isoformat(),
                "chair_id": check.chair_id,
                "clinician_id": check.clinician_id,
            },
            "reason": reason,
        },
    )
    if appointment.planned_session_id:
        do_move_session_questionnaires(
            actor,
            appointment.patient,
            session_key=session_key(appointment),
            due_at=questionnaire_due_at(appointment.starts_at, location.zone),
        )
    return appointment


def _change_status(
    actor, appointment: Appointment, status: str, changed_at: dt.datetime, *, reason: str | None = None
) -> Appointment:
    """Stamp the appointment's new status with who and when (and why, if given), save it and audit it."""
    appointment.status, appointment.status_changed_at, appointment.status_changed_by = status, changed_at, actor
    update_fields = ["status", "status_changed_at", "status_changed_by", "updated_at"]
    detail = {"status": status}
    if reason is not None:
        appointment.status_reason = reason
        update_fields.append("status_reason")
        detail["reason"] = reason
    appointment.save(update_fields=update_fields)
    record_event(actor, AuditAction.STATUS_CHANGE, appointment, patient=appointment.patient, detail=detail)
    return appointment


def cancel_appointment(actor, appointment: Appointment, reason: str) -> Appointment:
    """Cancel a booked appointment; within SchedulingSettings.late_cancellation_hours it counts as late."""
    require_permission(actor, Permission.SCHEDULE_BOOK)
    reason = clean_reason(reason)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            {
                "status": f"Only a booked appointment can be cancelled; this one is {appointment.get_status_display().lower()}."
            }
        )
    now = timezone.now()
    late_hours = scheduling_settings(appointment.organisation_id).late_cancellation_hours
    late = appointment.starts_at - now < dt.timedelta(hours=late_hours)
    status = AppointmentStatus.LATE_CANCELLED if late else AppointmentStatus.CANCELLED
    if appointment.planned_session_id:
        do_close_questionnaires(
            actor, appointment.patient, session_key=session_key(appointment), reason=f"Session cancelled: {reason}"
        )
    return _change_status(actor, appointment, status, now, reason=reason)


# ---------------------------------------------------------------------------
# Appointments: the actions pages and the API call


@transaction.atomic
def do_book_appointment(
    actor,
    *,
    patient_id: int,
    appointment_type_id: int,
    location_id: int,
    starts_at: dt.datetime,
    chair_id: int | None = None,
    clinician_id: int | None = None,
    notes: str = "",
) -> Appointment:
    """Book one appointment (SCHEDULE_BOOK); every refusal names its field and writes nothing."""
    require_permission(actor, Permission.SCHEDULE_BOOK)
    _check_start(starts_at)
    patient = field_lookup("patient_id", access_patient_by_id, actor, patient_id, audit=False)
    appointment_type = field_lookup("appointment_type_id", access_appointment_type_by_id, actor, appointment_type_id)
    location = field_lookup("location_id", access_location_by_id, actor, location_id)
    chair = field_lookup("chair_id", access_chair_by_id, actor, chair_id) if chair_id is not None else None
    clinician = (
        field_lookup("clinician_id", access_staff_by_id, actor, clinician_id) if clinician_id is not None else None
    )
    return create_appointment(
        actor,
        patient=patient,
        appointment_type=appointment_type,
        location=location,
        starts_at=starts_at,
        chair=chair,
        clinician=clinician,
        notes=clean_text("notes", notes),
    )


@transaction.atomic
def do_move_appointment(
    actor,
    appointment_id: int,
    *,
    starts_at: dt.datetime,
    chair_id: int | None = None,
    clinician_id: int | None = None,
    reason: str = "",
) -> Appointment:
    require_permission(actor, Permission.SCHEDULE_BOOK)
    _check_start(starts_at)
    # Locks in the order every booking takes them: the location, then the appointment.
    lock_location(access_appointment_by_id(actor, appointment_id, audit=False).location)
    appointment = access_appointment_by_id(actor, appointment_id, audit=False, for_update=True)
    chair = field_lookup("chair_id", access_chair_by_id, actor, chair_id) if chair_id is not None else None
    clinician = (
        field_lookup("clinician_id", access_staff_by_id, actor, clinician_id) if clinician_id is not None else None
    )
    return move_appointment(actor, appointment, starts_at=starts_at, chair=chair, clinician=clinician, reason=reason)


@transaction.atomic
def do_set_monitoring_nurse(actor, appointment_id: int, *, nurse_id: int | None) -> Appointment:
    """Choose the nurse who monitors a booked appointment (None: the first free one, if any).

    Refused, naming `nurse_id`, when the nurse lacks the skill, is not on shift at that location for the
    whole visit, has another appointment then, or already watches chairs_per_nurse visits at that time.
    Only the nurse is checked: the booking's other rules were checked when it was booked or moved.
    """
    require_permission(actor, Permission.SCHEDULE_BOOK)
    lock_location(access_appointment_by_id(actor, appointment_id, audit=False).location)
    appointment = access_appointment_by_id(actor, appointment_id, audit=False, for_update=True)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            {"status": f"The appointment is {appointment.get_status_display().lower()}; its nurse stays as it was."}
        )
    if not appointment.appointment_type.needs_monitoring:
        raise ValidationError({"nurse_id": f"{appointment.appointment_type.name} needs no monitoring nurse."})
    nurse = field_lookup("nurse_id", access_staff_by_id, actor, nurse_id) if nurse_id is not None else None
    check = check_slot(
        appointment.location,
        appointment.appointment_type,
        appointment.starts_at,
        chair=appointment.chair,
        clinician=appointment.clinician,
        monitoring_nurse=nurse,
        exclude_appointment_ids=[appointment.pk],
    )
    problems = [p for p in check.problems if p.field == "monitoring_nurse"]
    if problems:
        cls = SlotConflict if any(p.conflict for p in problems) else ValidationError
        raise cls({"nurse_id": [p.message for p in problems]})
    before = appointment.monitoring_nurse_id
    appointment.monitoring_nurse_id = check.monitoring_nurse_id
    appointment.save(update_fields=["monitoring_nurse", "updated_at"])
    record_event(
        actor,
        AuditAction.UPDATE,
        appointment,
        patient=appointment.patient,
        detail={"monitoring_nurse_id": {"from": before, "to": check.monitoring_nurse_id}},
    )
    return appointment


@transaction.atomic
def do_cancel_appointment(actor, appointment_id: int, *, reason: str) -> Appointment:
    require_permission(actor, Permission.SCHEDULE_BOOK)
    appointment = access_appointment_by_id(actor, appointment_id, audit=False, for_update=True)
    return cancel_appointment(actor, appointment, reason)


@transaction.atomic
def do_check_in_appointment(actor, appointment_id: int) -> Appointment:
    """The patient has arrived: only on the appointment's own day (location's zone)."""
    require_permission(actor, Permission.SCHEDULE_BOOK)
    appointment = access_appointment_by_id(actor, appointment_id, audit=False, for_update=True)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            {
                "status": f"Only a booked appointment can be checked in; this one is {appointment.get_status_display().lower()}."
            }
        )
    zone = appointment.location.zone
    if appointment.starts_at.astimezone(zone).date() != timezone.now().astimezone(zone).date():
        raise ValidationError({"starts_at": "Check-in is possible on the day of the appointment only."})
    return _change_status(actor, appointment, AppointmentStatus.CHECKED_IN, timezone.now())


def complete_appointment(actor, appointment: Appointment) -> Appointment:
    """The visit took place (the treatment session's discharge says so); inside the caller's transaction."""
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN):
        raise ValidationError({"status": f"The appointment is {appointment.get_status_display().lower()}."})
    now = timezone.now()
    if appointment.planned_session_id:
        # The induction's progress: the maintenance decision waits for its last session.
        mark_planned_session_completed(appointment.planned_session_id, now)
    return _change_status(actor, appointment, AppointmentStatus.COMPLETED, now)
