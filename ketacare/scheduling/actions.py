"""Every write of scheduling resources and single appointments: permission, checks, one transaction, audited.

Never a double booking: a booking transaction first locks its location's row (PostgreSQL: FOR
UPDATE; SQLite: the transaction already holds the write lock from BEGIN IMMEDIATE), then checks
every rule, then inserts. The PostgreSQL exclusion constraints (migration 0003) are the last
line: an IntegrityError from them, caught in a savepoint, becomes the same conflict message.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.settings_rows import update_organisation_settings
from ketacare.clinics.models import Location
from ketacare.patients.selectors import access_patient_by_id
from ketacare.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AppointmentType,
    Chair,
    ChairCapability,
    ClosedDate,
    OpeningHours,
    SchedulingSettings,
    Skill,
    StaffException,
    StaffShift,
    StaffSkill,
)
from ketacare.scheduling.selectors import (
    SlotConflict,
    access_appointment_by_id,
    access_appointment_type_by_id,
    access_chair_by_id,
    access_location_by_id,
    access_staff_by_id,
    check_slot,
    refusal,
    scheduling_settings,
)

REASON_MAX_CHARS = 2000
# Bookings further ahead than this are almost certainly a typo in the year.
MAX_DAYS_AHEAD = 730
CONSTRAINT_FIELDS = {
    "appointment_no_chair_overlap": ("chair", "The chair was booked by someone else for this time a moment ago."),
    "appointment_no_clinician_overlap": (
        "clinician", "The clinician was booked by someone else for this time a moment ago."
    ),
    "appointment_one_live_per_planned_session": (
        "planned_session", "This planned session already has a live appointment."
    ),
}


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "A reason is required."})
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError({"reason": f"Keep the reason under {REASON_MAX_CHARS} characters."})
    return reason


def _lookup(field: str, read, *args, **kwargs):
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
    clash = Appointment.objects.filter(
        patient=patient, status__in=ACTIVE_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exclude(pk=exclude_id).select_related("location", "appointment_type").first()
    if clash is not None:
        zone = clash.location.zone
        raise SlotConflict({"patient": (
            f"{patient.full_name} already has {clash.appointment_type.name} at {clash.location.name} "
            f"{clash.starts_at.astimezone(zone):%a %d %b %Y %H:%M}–{clash.ends_at.astimezone(zone):%H:%M}."
        )})


def save_in_savepoint(appointment: Appointment, **save_kwargs) -> None:
    try:
        with transaction.atomic():
            appointment.save(**save_kwargs)
    except IntegrityError as exc:
        text = str(exc)
        for name, (field, message) in CONSTRAINT_FIELDS.items():
            if name in text:
                raise SlotConflict({field: message}) from None
        raise


# ---------------------------------------------------------------------------
# Appointments: the internals other parts of scheduling reuse (courses)


def create_appointment(
    actor, *, patient, appointment_type: AppointmentType, location: Location, starts_at: dt.datetime,
    chair: Chair | None = None, clinician=None, course=None, planned_session=None, notes: str = "",
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
        organisation_id=org_id, location=location, patient=patient, appointment_type=appointment_type,
        course=course, planned_session=planned_session, starts_at=check.starts_at, ends_at=check.ends_at,
        chair_id=check.chair_id, chair_free_at=check.chair_free_at, clinician_id=check.clinician_id,
        notes=notes, created_by=actor,
    )
    save_in_savepoint(appointment, force_insert=True)
    record_event(actor, AuditAction.CREATE, appointment, patient=patient, detail={
        "type": appointment_type.name, "location_id": location.pk, "starts_at": check.starts_at.isoformat(),
        "ends_at": check.ends_at.isoformat(), "chair_id": check.chair_id, "clinician_id": check.clinician_id,
        "course_id": getattr(course, "pk", None),
    })
    return appointment


def move_appointment(actor, appointment: Appointment, *, starts_at: dt.datetime, chair: Chair | None = None,
                     clinician=None, reason: str = "") -> Appointment:
    """Re-check every rule at the new time (the appointment itself not counted) and move it.

    Without a chair or clinician given, the current ones are kept when still free, else others picked.
    """
    require_permission(actor, Permission.SCHEDULE_BOOK)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError({"status": f"Only a booked appointment can be moved; this one is {appointment.get_status_display().lower()}."})
    location = appointment.location
    lock_location(location)
    exclude = [appointment.pk]
    kwargs = {"chair": chair or appointment.chair, "clinician": clinician or appointment.clinician}
    check = check_slot(location, appointment.appointment_type, starts_at, exclude_appointment_ids=exclude, **kwargs)
    # The current chair or clinician is busy at the new time: let the check pick another.
    fields = {p.field for p in check.problems}
    if chair is None and "chair" in fields:
        kwargs["chair"] = None
    if clinician is None and "clinician" in fields:
        kwargs["clinician"] = None
    if not check.ok and (kwargs["chair"] is None or kwargs["clinician"] is None):
        check = check_slot(location, appointment.appointment_type, starts_at, exclude_appointment_ids=exclude, **kwargs)
    if not check.ok:
        raise refusal(check)
    check_patient_free(appointment.patient, check.starts_at, check.ends_at, exclude_id=appointment.pk)
    before = {"starts_at": appointment.starts_at.isoformat(), "chair_id": appointment.chair_id,
              "clinician_id": appointment.clinician_id}
    appointment.starts_at, appointment.ends_at = check.starts_at, check.ends_at
    appointment.chair_id, appointment.chair_free_at = check.chair_id, check.chair_free_at
    appointment.clinician_id = check.clinician_id
    save_in_savepoint(appointment, update_fields=[
        "starts_at", "ends_at", "chair", "chair_free_at", "clinician", "updated_at",
    ])
    record_event(actor, AuditAction.UPDATE, appointment, patient=appointment.patient, detail={
        "moved_from": before,
        "moved_to": {"starts_at": check.starts_at.isoformat(), "chair_id": check.chair_id,
                     "clinician_id": check.clinician_id},
        "reason": (reason or "").strip()[:REASON_MAX_CHARS],
    })
    return appointment


def cancel_appointment(actor, appointment: Appointment, reason: str) -> Appointment:
    """Cancel a booked appointment; within SchedulingSettings.late_cancellation_hours it counts as late."""
    require_permission(actor, Permission.SCHEDULE_BOOK)
    reason = _required_reason(reason)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError({"status": f"Only a booked appointment can be cancelled; this one is {appointment.get_status_display().lower()}."})
    now = timezone.now()
    late_hours = scheduling_settings(appointment.organisation_id).late_cancellation_hours
    late = appointment.starts_at - now < dt.timedelta(hours=late_hours)
    appointment.status = AppointmentStatus.LATE_CANCELLED if late else AppointmentStatus.CANCELLED
    appointment.status_reason, appointment.status_changed_at, appointment.status_changed_by = reason, now, actor
    appointment.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by", "updated_at"])
    record_event(actor, AuditAction.STATUS_CHANGE, appointment, patient=appointment.patient, detail={
        "status": appointment.status, "reason": reason,
    })
    return appointment


# ---------------------------------------------------------------------------
# Appointments: the actions pages and the API call


@transaction.atomic
def do_book_appointment(
    actor, *, patient_id: int, appointment_type_id: int, location_id: int, starts_at: dt.datetime,
    chair_id: int | None = None, clinician_id: int | None = None, notes: str = "",
) -> Appointment:
    """Book one appointment (SCHEDULE_BOOK); every refusal names its field and writes nothing."""
    require_permission(actor, Permission.SCHEDULE_BOOK)
    _check_start(starts_at)
    patient = _lookup("patient_id", access_patient_by_id, actor, patient_id, audit=False)
    appointment_type = _lookup("appointment_type_id", access_appointment_type_by_id, actor, appointment_type_id)
    location = _lookup("location_id", access_location_by_id, actor, location_id)
    chair = _lookup("chair_id", access_chair_by_id, actor, chair_id) if chair_id is not None else None
    clinician = _lookup("clinician_id", access_staff_by_id, actor, clinician_id) if clinician_id is not None else None
    return create_appointment(
        actor, patient=patient, appointment_type=appointment_type, location=location, starts_at=starts_at,
        chair=chair, clinician=clinician, notes=(notes or "").strip()[:REASON_MAX_CHARS],
    )


@transaction.atomic
def do_move_appointment(actor, appointment_id: int, *, starts_at: dt.datetime, chair_id: int | None = None,
                        clinician_id: int | None = None, reason: str = "") -> Appointment:
    require_permission(actor, Permission.SCHEDULE_BOOK)
    _check_start(starts_at)
    # Locks in the order every booking takes them: the location, then the appointment.
    lock_location(access_appointment_by_id(actor, appointment_id, audit=False).location)
    appointment = access_appointment_by_id(actor, appointment_id, audit=False, for_update=True)
    chair = _lookup("chair_id", access_chair_by_id, actor, chair_id) if chair_id is not None else None
    clinician = _lookup("clinician_id", access_staff_by_id, actor, clinician_id) if clinician_id is not None else None
    return move_appointment(actor, appointment, starts_at=starts_at, chair=chair, clinician=clinician, reason=reason)


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
        raise ValidationError({"status": f"Only a booked appointment can be checked in; this one is {appointment.get_status_display().lower()}."})
    zone = appointment.location.zone
    if appointment.starts_at.astimezone(zone).date() != timezone.now().astimezone(zone).date():
        raise ValidationError({"starts_at": "Check-in is possible on the day of the appointment only."})
    now = timezone.now()
    appointment.status, appointment.status_changed_at, appointment.status_changed_by = AppointmentStatus.CHECKED_IN, now, actor
    appointment.save(update_fields=["status", "status_changed_at", "status_changed_by", "updated_at"])
    record_event(actor, AuditAction.STATUS_CHANGE, appointment, patient=appointment.patient,
                 detail={"status": appointment.status})
    return appointment


def complete_appointment(actor, appointment: Appointment) -> Appointment:
    """The visit took place (the treatment session's discharge says so); inside the caller's transaction."""
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN):
        raise ValidationError({"status": f"The appointment is {appointment.get_status_display().lower()}."})
    appointment.status, appointment.status_changed_at, appointment.status_changed_by = (
        AppointmentStatus.COMPLETED, timezone.now(), actor
    )
    appointment.save(update_fields=["status", "status_changed_at", "status_changed_by", "updated_at"])
    record_event(actor, AuditAction.STATUS_CHANGE, appointment, patient=appointment.patient,
                 detail={"status": appointment.status})
    return appointment


# ---------------------------------------------------------------------------
# Resources (clinic admin)


def _validated_save(obj, **save_kwargs):
    obj.full_clean()
    obj.save(**save_kwargs)
    return obj


@transaction.atomic
def do_set_opening_hours(actor, location_id: int, *, weekday: int, opens_at: dt.time | None,
                         closes_at: dt.time | None) -> OpeningHours | None:
    """Set one weekday's hours (location's zone); no times means closed that weekday."""
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    location = access_location_by_id(actor, location_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    if weekday not in range(7):
        raise ValidationError({"weekday": "Choose a weekday."})
    if opens_at is None and closes_at is None:
        OpeningHours.objects.filter(location=location, weekday=weekday).delete()
        record_event(actor, AuditAction.UPDATE, location, detail={"opening_hours": {str(weekday): None}})
        return None
    if opens_at is None or closes_at is None:
        raise ValidationError({"opens_at" if opens_at is None else "closes_at": "Enter both times, or neither for closed."})
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": "Closing must be after opening."})
    hours, _ = OpeningHours.objects.update_or_create(
        location=location, weekday=weekday, defaults={"opens_at": opens_at, "closes_at": closes_at}
    )
    record_event(actor, AuditAction.UPDATE, location, detail={
        "opening_hours": {str(weekday): [opens_at.isoformat(), closes_at.isoformat()]},
    })
    return hours


@transaction.atomic
def do_add_closed_date(actor, location_id: int, *, date: dt.date, reason: str = "") -> ClosedDate:
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    location = access_location_by_id(actor, location_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    if ClosedDate.objects.filter(location=location, date=date).exists():
        raise ValidationError({"date": "This date is already closed."})
    closed = _validated_save(ClosedDate(location=location, date=date, reason=(reason or "").strip()))
    record_event(actor, AuditAction.CREATE, closed, detail={"location_id": location.pk, "date": date.isoformat()})
    return closed


@transaction.atomic
def do_remove_closed_date(actor, closed_date_id: int) -> None:
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    closed = ClosedDate.objects.filter(pk=closed_date_id, location__organisation_id=actor.organisation_id).first()
    if closed is None:
        raise Http404("No such closed date")
    record_event(actor, AuditAction.UPDATE, closed.location, detail={"closed_date_removed": closed.date.isoformat()})
    closed.delete()


@transaction.atomic
def do_save_chair(actor, *, chair_id: int | None = None, location_id: int | None = None, name: str,
                  supports_iv: bool, supports_esketamine: bool, is_active: bool = True) -> Chair:
    """Add a chair to a location, or change one (what it supports, active or not)."""
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    if chair_id is not None:
        chair = access_chair_by_id(actor, chair_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    else:
        location = _lookup("location_id", access_location_by_id, actor, location_id,
                           permission=Permission.SCHEDULE_RESOURCES_MANAGE)
        chair = Chair(location=location)
    name = (name or "").strip()
    if Chair.objects.filter(location=chair.location, name=name).exclude(pk=chair.pk).exists():
        raise ValidationError({"name": "This location already has a chair with this name."})
    created = chair.pk is None
    chair.name, chair.supports_iv, chair.supports_esketamine, chair.is_active = name, supports_iv, supports_esketamine, is_active
    _validated_save(chair)
    record_event(actor, AuditAction.CREATE if created else AuditAction.UPDATE, chair, detail={
        "name": name, "supports_iv": supports_iv, "supports_esketamine": supports_esketamine, "is_active": is_active,
    })
    return chair


@transaction.atomic
def do_set_staff_skills(actor, staff_id: int, skills: list[str]) -> list[str]:
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    person = access_staff_by_id(actor, staff_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    unknown = [s for s in skills if s not in Skill.values]
    if unknown:
        raise ValidationError({"skills": f"Unknown skill: {', '.join(unknown)}."})
    wanted = set(skills)
    StaffSkill.objects.filter(user=person).exclude(skill__in=wanted).delete()
    have = set(StaffSkill.objects.filter(user=person).values_list("skill", flat=True))
    StaffSkill.objects.bulk_create(StaffSkill(user=person, skill=s) for s in sorted(wanted - have))
    record_event(actor, AuditAction.UPDATE, person, detail={"skills": sorted(wanted)})
    return sorted(wanted)


@transaction.atomic
def do_add_staff_shift(actor, staff_id: int, *, location_id: int, weekday: int, starts_at: dt.time,
                       ends_at: dt.time) -> StaffShift:
    """A weekly shift at a location (its time zone); shifts of one person may not overlap."""
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    person = access_staff_by_id(actor, staff_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    location = _lookup("location_id", access_location_by_id, actor, location_id,
                       permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    if weekday not in range(7):
        raise ValidationError({"weekday": "Choose a weekday."})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The shift must end after it starts."})
    if StaffShift.objects.filter(user=person, weekday=weekday, starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        raise ValidationError({"starts_at": "This overlaps another shift of theirs on that weekday."})
    shift = _validated_save(StaffShift(user=person, location=location, weekday=weekday, starts_at=starts_at, ends_at=ends_at))
    record_event(actor, AuditAction.CREATE, shift, detail={
        "user_id": person.pk, "location_id": location.pk, "weekday": weekday,
        "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(),
    })
    return shift


@transaction.atomic
def do_remove_staff_shift(actor, shift_id: int) -> None:
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    shift = StaffShift.objects.filter(pk=shift_id, user__organisation_id=actor.organisation_id).first()
    if shift is None:
        raise Http404("No such shift")
    record_event(actor, AuditAction.UPDATE, shift.user, detail={"shift_removed": {
        "location_id": shift.location_id, "weekday": shift.weekday,
        "starts_at": shift.starts_at.isoformat(), "ends_at": shift.ends_at.isoformat(),
    }})
    shift.delete()


@transaction.atomic
def do_add_staff_exception(actor, staff_id: int, *, is_available: bool, location_id: int | None,
                           starts_at: dt.datetime, ends_at: dt.datetime, reason: str = "") -> StaffException:
    """Leave (is_available false, any location) or extra hours at a location."""
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    person = access_staff_by_id(actor, staff_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    location = None
    if is_available:
        if location_id is None:
            raise ValidationError({"location_id": "Extra hours need a location."})
        location = _lookup("location_id", access_location_by_id, actor, location_id,
                           permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not 2000 <= value.year <= 2100:
            raise ValidationError({name: "Enter a date between 2000 and 2100."})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    if ends_at - starts_at > dt.timedelta(days=366):
        raise ValidationError({"ends_at": "Enter at most a year at a time."})
    exception = _validated_save(StaffException(
        user=person, location=location, is_available=is_available, starts_at=starts_at, ends_at=ends_at,
        reason=(reason or "").strip(),
    ))
    record_event(actor, AuditAction.CREATE, exception, detail={
        "user_id": person.pk, "is_available": is_available, "location_id": location_id if is_available else None,
        "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(),
    })
    return exception


@transaction.atomic
def do_remove_staff_exception(actor, exception_id: int) -> None:
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    exception = StaffException.objects.filter(pk=exception_id, user__organisation_id=actor.organisation_id).first()
    if exception is None:
        raise Http404("No such exception")
    record_event(actor, AuditAction.UPDATE, exception.user, detail={"exception_removed": {
        "is_available": exception.is_available, "starts_at": exception.starts_at.isoformat(),
        "ends_at": exception.ends_at.isoformat(),
    }})
    exception.delete()


APPOINTMENT_TYPE_FIELDS = (
    "kind", "name", "preparation_minutes", "duration_minutes", "recovery_minutes", "turnover_minutes", "chair",
    "needs_monitoring", "needs_prescriber_on_site", "clinician_skill", "patient_instructions", "is_active",
)


@transaction.atomic
def do_save_appointment_type(actor, *, type_id: int | None = None, **fields) -> AppointmentType:
    """Create or change an appointment type; booked appointments keep their times."""
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    unknown = {key: "This field cannot be set here." for key in fields if key not in APPOINTMENT_TYPE_FIELDS}
    if unknown:
        raise ValidationError(unknown)
    if type_id is not None:
        appointment_type = access_appointment_type_by_id(actor, type_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    else:
        appointment_type = AppointmentType(organisation_id=actor.organisation_id)
    created = appointment_type.pk is None
    for name, value in fields.items():
        setattr(appointment_type, name, value)
    if (appointment_type.duration_minutes or 0) < 1:
        raise ValidationError({"duration_minutes": "Enter at least 1 minute."})
    if appointment_type.patient_minutes > 24 * 60:
        raise ValidationError({"duration_minutes": "Preparation, duration and recovery together must fit in a day."})
    _validated_save(appointment_type)
    record_event(actor, AuditAction.CREATE if created else AuditAction.UPDATE, appointment_type,
                 detail={"fields": sorted(fields)})
    return appointment_type


SETTINGS_FIELDS = (
    "chairs_per_nurse", "prescriber_on_site_for_iv", "first_reminder_hours", "second_reminder_hours",
    "late_cancellation_hours", "solver_time_limit_seconds", "slot_minutes",
)


@transaction.atomic
def do_update_scheduling_settings(actor, **changes) -> SchedulingSettings:
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    if changes.get("chairs_per_nurse", 1) < 1:
        raise ValidationError({"chairs_per_nurse": "A nurse monitors at least one chair."})
    slot = changes.get("slot_minutes", 15)
    if slot < 1 or 60 % slot:
        raise ValidationError({"slot_minutes": "Use a divisor of 60 (5, 10, 15, 20, 30 or 60)."})
    return update_organisation_settings(actor, SchedulingSettings, SETTINGS_FIELDS, changes)


# Defaults a clinic edits; each names its source. Minutes: preparation, treatment, recovery, turnover.
_INSTRUCTIONS_SEDATING = (
    "Arrange a driver home. Do not drive or operate machinery until the next day after a restful sleep."
)
DEFAULT_APPOINTMENT_TYPES = (
    # Clinic practice: an hour for an assessment with a prescriber (no published standard).
    dict(kind=AppointmentKind.CONSULTATION, name="Consultation", duration_minutes=60,
         clinician_skill=Skill.CONSULT),
    # 0.5 mg/kg over 40 minutes (CLINICAL.md §1, Andrade 2017); 15 min preparation (vitals, line) and
    # 45 min recovery are clinic practice (UNVERIFIED), as is the 15-minute chair turnover. The
    # prescriber-on-site rule for IV is the setting prescriber_on_site_for_iv (clinic policy).
    dict(kind=AppointmentKind.IV_INFUSION, name="IV infusion", preparation_minutes=15, duration_minutes=40,
         recovery_minutes=45, turnover_minutes=15, chair=ChairCapability.IV, needs_monitoring=True,
         patient_instructions=_INSTRUCTIONS_SEDATING),
    # Esketamine: up to 3 devices with 5 min rest after each (15 min), then monitoring for at least
    # 2 hours (120 min), a prescriber on site (REMS) — CLINICAL.md §2. Pre-dose: no food 2 h, no
    # liquids 30 min (CLINICAL.md §2).
    dict(kind=AppointmentKind.ESKETAMINE, name="Esketamine session", preparation_minutes=15, duration_minutes=135,
         turnover_minutes=15, chair=ChairCapability.ESKETAMINE, needs_monitoring=True, needs_prescriber_on_site=True,
         patient_instructions="No food for 2 hours and no liquids for 30 minutes before the session. "
                              + _INSTRUCTIONS_SEDATING),
    # IM and sublingual session lengths have no source in CLINICAL.md §1 (UNVERIFIED): clinic values.
    dict(kind=AppointmentKind.IM, name="IM session", preparation_minutes=15, duration_minutes=15,
         recovery_minutes=60, turnover_minutes=15, chair=ChairCapability.ANY, needs_monitoring=True,
         patient_instructions=_INSTRUCTIONS_SEDATING),
    dict(kind=AppointmentKind.SUBLINGUAL, name="Sublingual session", preparation_minutes=15, duration_minutes=30,
         recovery_minutes=60, turnover_minutes=15, chair=ChairCapability.ANY, needs_monitoring=True,
         patient_instructions=_INSTRUCTIONS_SEDATING),
    # Clinic practice: a therapy hour with an integration therapist.
    dict(kind=AppointmentKind.INTEGRATION, name="Integration therapy", duration_minutes=60,
         clinician_skill=Skill.INTEGRATION_THERAPY),
    # Clinic practice: a half-hour review with a prescriber.
    dict(kind=AppointmentKind.FOLLOW_UP, name="Follow-up", duration_minutes=30, clinician_skill=Skill.CONSULT),
)


def ensure_default_appointment_types(organisation) -> list[AppointmentType]:
    """Create any default type the organisation lacks (by name); existing types are left as they are."""
    existing = set(AppointmentType.objects.filter(organisation=organisation).values_list("name", flat=True))
    created = [
        AppointmentType.objects.create(organisation=organisation, **values)
        for values in DEFAULT_APPOINTMENT_TYPES if values["name"] not in existing
    ]
    scheduling_settings(organisation)
    return created


@transaction.atomic
def do_add_default_appointment_types(actor) -> list[AppointmentType]:
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    created = ensure_default_appointment_types(actor.organisation)
    for appointment_type in created:
        record_event(actor, AuditAction.CREATE, appointment_type, detail={"default": True, "name": appointment_type.name})
    return created
