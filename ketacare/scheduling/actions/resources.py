"""Every write of scheduling resources: hours, closed dates, chairs, staff, appointment types, settings.

Each action checks SCHEDULE_RESOURCES_MANAGE, validates, writes in one transaction and records
what changed in the audit trail. Booked appointments keep their times when a resource changes.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.settings_rows import update_organisation_settings
from ketacare.scheduling.actions.booking import field_lookup
from ketacare.scheduling.models import (
    Appointment,
    AppointmentKind,
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
from ketacare.scheduling.selectors.resources import (
    access_appointment_type_by_id,
    access_chair_by_id,
    access_location_by_id,
    access_staff_by_id,
    booked_on_dates,
    scheduling_settings,
)


def _validated_save(obj, **save_kwargs):
    obj.full_clean()
    obj.save(**save_kwargs)
    return obj


@transaction.atomic
def do_set_opening_hours(
    actor, location_id: int, *, weekday: int, opens_at: dt.time | None, closes_at: dt.time | None
) -> OpeningHours | None:
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
        raise ValidationError(
            {"opens_at" if opens_at is None else "closes_at": "Enter both times, or neither for closed."}
        )
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": "Closing must be after opening."})
    hours, _ = OpeningHours.objects.update_or_create(
        location=location, weekday=weekday, defaults={"opens_at": opens_at, "closes_at": closes_at}
    )
    record_event(
        actor,
        AuditAction.UPDATE,
        location,
        detail={
            "opening_hours": {str(weekday): [opens_at.isoformat(), closes_at.isoformat()]},
        },
    )
    return hours


@dataclass(frozen=True)
class ClosedDateAdded:
    closed_date: ClosedDate
    affected: list[Appointment]  # still booked that day: staff move or cancel them


@transaction.atomic
def do_add_closed_date(actor, location_id: int, *, date: dt.date, reason: str = "") -> ClosedDateAdded:
    """Close a location for a day. Appointments already booked that day stay booked (a clinic may
    close for a holiday after booking it), and are returned and recorded so staff can move them."""
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    location = access_location_by_id(actor, location_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    if ClosedDate.objects.filter(location=location, date=date).exists():
        raise ValidationError({"date": "This date is already closed."})
    closed = _validated_save(ClosedDate(location=location, date=date, reason=(reason or "").strip()))
    affected = booked_on_dates(location, [date]).get(date, [])
    record_event(
        actor,
        AuditAction.CREATE,
        closed,
        detail={
            "location_id": location.pk,
            "date": date.isoformat(),
            "booked_that_day": [a.pk for a in affected],
        },
    )
    return ClosedDateAdded(closed, affected)


@transaction.atomic
def do_remove_closed_date(actor, closed_date_id: int) -> ClosedDate:
    """Reopen a closed date; returns the removed row (its location_id still says where)."""
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    closed = ClosedDate.objects.filter(pk=closed_date_id, location__organisation_id=actor.organisation_id).first()
    if closed is None:
        raise Http404("No such closed date")
    record_event(actor, AuditAction.UPDATE, closed.location, detail={"closed_date_removed": closed.date.isoformat()})
    closed.delete()
    return closed


@transaction.atomic
def do_save_chair(
    actor,
    *,
    chair_id: int | None = None,
    location_id: int | None = None,
    name: str,
    supports_iv: bool,
    supports_esketamine: bool,
    is_active: bool = True,
) -> Chair:
    """Add a chair to a location, or change one (what it supports, active or not)."""
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    if chair_id is not None:
        chair = access_chair_by_id(actor, chair_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    else:
        location = field_lookup(
            "location_id", access_location_by_id, actor, location_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE
        )
        chair = Chair(location=location)
    name = (name or "").strip()
    if Chair.objects.filter(location=chair.location, name=name).exclude(pk=chair.pk).exists():
        raise ValidationError({"name": "This location already has a chair with this name."})
    created = chair.pk is None
    chair.name, chair.supports_iv, chair.supports_esketamine, chair.is_active = (
        name,
        supports_iv,
        supports_esketamine,
        is_active,
    )
    _validated_save(chair)
    record_event(
        actor,
        AuditAction.CREATE if created else AuditAction.UPDATE,
        chair,
        detail={
            "name": name,
            "supports_iv": supports_iv,
            "supports_esketamine": supports_esketamine,
            "is_active": is_active,
        },
    )
    return chair


@transaction.atomic
def do_set_staff_skills(actor, staff_id: int, skills: list[str]) -> list[str]:
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    person = access_staff_by_id(actor, staff_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    wanted = replace_staff_skills(person, skills)
    record_event(actor, AuditAction.UPDATE, person, detail={"skills": wanted})
    return wanted


def replace_staff_skills(person, skills) -> list[str]:
    """Give `person` exactly `skills` (sorted in the answer); an unknown skill is a ValidationError
    naming "skills". No permission check and no audit: the calling action does both (here, and the
    staff app's invitation and change, which also reach invited, not yet active, staff)."""
    unknown = [s for s in skills if s not in Skill.values]
    if unknown:
        raise ValidationError({"skills": f"Unknown skill: {', '.join(map(str, unknown))}."})
    wanted = set(skills)
    StaffSkill.objects.filter(user=person).exclude(skill__in=wanted).delete()
    have = set(StaffSkill.objects.filter(user=person).values_list("skill", flat=True))
    StaffSkill.objects.bulk_create(StaffSkill(user=person, skill=s) for s in sorted(wanted - have))
    return sorted(wanted)


@transaction.atomic
def do_add_staff_shift(
    actor, staff_id: int, *, location_id: int, weekday: int, starts_at: dt.time, ends_at: dt.time
) -> StaffShift:
    """A weekly shift at a location (its time zone); shifts of one person may not overlap."""
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    person = access_staff_by_id(actor, staff_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    location = field_lookup(
        "location_id", access_location_by_id, actor, location_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE
    )
    if weekday not in range(7):
        raise ValidationError({"weekday": "Choose a weekday."})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The shift must end after it starts."})
    if StaffShift.objects.filter(user=person, weekday=weekday, starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        raise ValidationError({"starts_at": "This overlaps another shift of theirs on that weekday."})
    shift = _validated_save(
        StaffShift(user=person, location=location, weekday=weekday, starts_at=starts_at, ends_at=ends_at)
    )
    record_event(
        actor,
        AuditAction.CREATE,
        shift,
        detail={
            "user_id": person.pk,
            "location_id": location.pk,
            "weekday": weekday,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        },
    )
    return shift


@transaction.atomic
def do_remove_staff_shift(actor, shift_id: int) -> StaffShift:
    """Remove a weekly shift; returns the removed row (its user_id still says whose)."""
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    shift = StaffShift.objects.filter(pk=shift_id, user__organisation_id=actor.organisation_id).first()
    if shift is None:
        raise Http404("No such shift")
    record_event(
        actor,
        AuditAction.UPDATE,
        shift.user,
        detail={
            "shift_removed": {
                "location_id": shift.location_id,
                "weekday": shift.weekday,
                "starts_at": shift.starts_at.isoformat(),
                "ends_at": shift.ends_at.isoformat(),
            }
        },
    )
    shift.delete()
    return shift


@transaction.atomic
def do_add_staff_exception(
    actor,
    staff_id: int,
    *,
    is_available: bool,
    location_id: int | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    reason: str = "",
) -> StaffException:
    """Leave (is_available false, any location) or extra hours at a location."""
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    person = access_staff_by_id(actor, staff_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    location = None
    if is_available:
        if location_id is None:
            raise ValidationError({"location_id": "Extra hours need a location."})
        location = field_lookup(
            "location_id", access_location_by_id, actor, location_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE
        )
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not 2000 <= value.year <= 2100:
            raise ValidationError({name: "Enter a date between 2000 and 2100."})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    if ends_at - starts_at > dt.timedelta(days=366):
        raise ValidationError({"ends_at": "Enter at most a year at a time."})
    exception = _validated_save(
        StaffException(
            user=person,
            location=location,
            is_available=is_available,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=(reason or "").strip(),
        )
    )
    record_event(
        actor,
        AuditAction.CREATE,
        exception,
        detail={
            "user_id": person.pk,
            "is_available": is_available,
            "location_id": location_id if is_available else None,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        },
    )
    return exception


@transaction.atomic
def do_remove_staff_exception(actor, exception_id: int) -> StaffException:
    """Remove leave or extra hours; returns the removed row (its user_id still says whose)."""
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    exception = StaffException.objects.filter(pk=exception_id, user__organisation_id=actor.organisation_id).first()
    if exception is None:
        raise Http404("No such exception")
    record_event(
        actor,
        AuditAction.UPDATE,
        exception.user,
        detail={
            "exception_removed": {
                "is_available": exception.is_available,
                "starts_at": exception.starts_at.isoformat(),
                "ends_at": exception.ends_at.isoformat(),
            }
        },
    )
    exception.delete()
    return exception


APPOINTMENT_TYPE_FIELDS = (
    "kind",
    "name",
    "preparation_minutes",
    "duration_minutes",
    "recovery_minutes",
    "turnover_minutes",
    "chair",
    "needs_monitoring",
    "needs_prescriber_on_site",
    "clinician_skill",
    "patient_instructions",
    "is_active",
)


@transaction.atomic
def do_save_appointment_type(actor, *, type_id: int | None = None, **fields) -> AppointmentType:
    """Create or change an appointment type; booked appointments keep their times."""
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    unknown = {key: "This field cannot be set here." for key in fields if key not in APPOINTMENT_TYPE_FIELDS}
    if unknown:
        raise ValidationError(unknown)
    if type_id is not None:
        appointment_type = access_appointment_type_by_id(
            actor, type_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE
        )
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
    record_event(
        actor,
        AuditAction.CREATE if created else AuditAction.UPDATE,
        appointment_type,
        detail={"fields": sorted(fields)},
    )
    return appointment_type


SETTINGS_FIELDS = (
    "chairs_per_nurse",
    "prescriber_on_site_for_iv",
    "first_reminder_hours",
    "second_reminder_hours",
    "late_cancellation_hours",
    "solver_time_limit_seconds",
    "slot_minutes",
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
    dict(kind=AppointmentKind.CONSULTATION, name="Consultation", duration_minutes=60, clinician_skill=Skill.CONSULT),
    # 0.5 mg/kg over 40 minutes (CLINICAL.md §1, Andrade 2017); 15 min preparation (vitals, line) and
    # 45 min recovery are clinic practice (UNVERIFIED), as is the 15-minute chair turnover. The
    # prescriber-on-site rule for IV is the setting prescriber_on_site_for_iv (clinic policy).
    dict(
        kind=AppointmentKind.IV_INFUSION,
        name="IV infusion",
        preparation_minutes=15,
        duration_minutes=40,
        recovery_minutes=45,
        turnover_minutes=15,
        chair=ChairCapability.IV,
        needs_monitoring=True,
        patient_instructions=_INSTRUCTIONS_SEDATING,
    ),
    # Esketamine: up to 3 devices with 5 min rest after each (15 min), then monitoring for at least
    # 2 hours (120 min), a prescriber on site (REMS) — CLINICAL.md §2. Pre-dose: no food 2 h, no
    # liquids 30 min (CLINICAL.md §2).
    dict(
        kind=AppointmentKind.ESKETAMINE,
        name="Esketamine session",
        preparation_minutes=15,
        duration_minutes=135,
        turnover_minutes=15,
        chair=ChairCapability.ESKETAMINE,
        needs_monitoring=True,
        needs_prescriber_on_site=True,
        patient_instructions="No food for 2 hours and no liquids for 30 minutes before the session. "
        + _INSTRUCTIONS_SEDATING,
    ),
    # IM and sublingual session lengths have no source in CLINICAL.md §1 (UNVERIFIED): clinic values.
    dict(
        kind=AppointmentKind.IM,
        name="IM session",
        preparation_minutes=15,
        duration_minutes=15,
        recovery_minutes=60,
        turnover_minutes=15,
        chair=ChairCapability.ANY,
        needs_monitoring=True,
        patient_instructions=_INSTRUCTIONS_SEDATING,
    ),
    dict(
        kind=AppointmentKind.SUBLINGUAL,
        name="Sublingual session",
        preparation_minutes=15,
        duration_minutes=30,
        recovery_minutes=60,
        turnover_minutes=15,
        chair=ChairCapability.ANY,
        needs_monitoring=True,
        patient_instructions=_INSTRUCTIONS_SEDATING,
    ),
    # Clinic practice: a therapy hour with an integration therapist.
    dict(
        kind=AppointmentKind.INTEGRATION,
        name="Integration therapy",
        duration_minutes=60,
        clinician_skill=Skill.INTEGRATION_THERAPY,
    ),
    # Clinic practice: a half-hour review with a prescriber.
    dict(kind=AppointmentKind.FOLLOW_UP, name="Follow-up", duration_minutes=30, clinician_skill=Skill.CONSULT),
)


def ensure_default_appointment_types(organisation) -> list[AppointmentType]:
    """Create any default type the organisation lacks (by name); existing types are left as they are."""
    existing = set(AppointmentType.objects.filter(organisation=organisation).values_list("name", flat=True))
    created = [
        AppointmentType.objects.create(organisation=organisation, **values)
        for values in DEFAULT_APPOINTMENT_TYPES
        if values["name"] not in existing
    ]
    scheduling_settings(organisation)
    return created


@transaction.atomic
def do_add_default_appointment_types(actor) -> list[AppointmentType]:
    require_permission(actor, Permission.SCHEDULE_RESOURCES_MANAGE)
    created = ensure_default_appointment_types(actor.organisation)
    for appointment_type in created:
        record_event(
            actor, AuditAction.CREATE, appointment_type, detail={"default": True, "name": appointment_type.name}
        )
    return created
