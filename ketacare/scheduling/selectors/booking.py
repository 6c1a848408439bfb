"""Access-checked reads of appointments and calendars, and the slot check every booking runs.

- staff with SCHEDULE_VIEW see their own organisation's appointments; anything of another
  organisation is a 404;
- opening one appointment is audited as a view of the patient's record; a calendar shows names
  without auditing each patient (it is a schedule, not a chart);
- check_slot / load_slot_context read what the booking rules need, with no permission check:
  actions call them after their own checks (and the course proposals reuse them).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.accounts.selectors import staff_of_organisation
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.hooks import BlockingItem
from ketacare.clinics.models import Location
from ketacare.lib.fixed_reads import FixedRead
from ketacare.lib.urls import urls_with_id
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id
from ketacare.scheduling.domain.availability import (
    ChairInfo,
    Needs,
    SlotCheck,
    SlotContext,
    Span,
    StaffInfo,
    check_candidate,
    earliest_fits,
    staff_on_site,
)
from ketacare.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AppointmentType,
    Chair,
    ClosedDate,
    OpeningHours,
    SchedulingSettings,
    StaffException,
    StaffShift,
    StaffSkill,
)
from ketacare.scheduling.selectors.resources import (
    access_appointment_type_by_id,
    access_location_by_id,
    access_staff_by_id,
    org_id,
    scheduling_settings,
)

# The widest view a calendar or an API list serves at once.
MAX_RANGE_DAYS = 62


class SlotConflict(ValidationError):
    """The slot is taken by another booking (a busy chair or clinician, a full monitoring ratio).

    A ValidationError keyed by field, so forms show it like any other; the API answers 409.
    """


def refusal(check: SlotCheck) -> ValidationError:
    """The check's problems as one ValidationError keyed by field (SlotConflict if any is a conflict)."""
    errors: dict[str, list[str]] = defaultdict(list)
    for problem in check.problems:
        errors[problem.field].append(problem.message)
    cls = SlotConflict if check.conflict else ValidationError
    return cls(dict(errors))


def type_needs(appointment_type: AppointmentType, settings: SchedulingSettings) -> Needs:
    # Esketamine: REMS requires a prescriber on site (CLINICAL.md §2); IV: clinic policy (a setting).
    prescriber = appointment_type.needs_prescriber_on_site or (
        appointment_type.kind == AppointmentKind.IV_INFUSION and settings.prescriber_on_site_for_iv
    )
    return Needs(
        patient_minutes=appointment_type.patient_minutes,
        turnover_minutes=appointment_type.turnover_minutes if appointment_type.chair else 0,
        chair=appointment_type.chair or "",
        needs_monitoring=appointment_type.needs_monitoring,
        needs_prescriber_on_site=prescriber,
        clinician_skill=appointment_type.clinician_skill or "",
        name=appointment_type.name,
    )


def load_slot_context(
    location: Location, day_from: dt.date, day_to: dt.date, *, exclude_appointment_ids=(), settings=None
) -> SlotContext:
    """A snapshot of `location` over the local days [day_from, day_to] for check_candidate.

    A constant number of queries whatever the number of appointments, chairs or staff.
    """
    settings = settings or scheduling_settings(location.organisation_id)
    zone = location.zone
    # One day either side: an appointment near midnight, or a clinician's booking elsewhere.
    window_start = dt.datetime.combine(day_from - dt.timedelta(days=1), dt.time(), tzinfo=zone)
    window_end = dt.datetime.combine(day_to + dt.timedelta(days=2), dt.time(), tzinfo=zone)

    opening = {h.weekday: (h.opens_at, h.closes_at) for h in OpeningHours.objects.filter(location=location)}
    closed = frozenset(
        ClosedDate.objects.filter(location=location, date__range=(day_from, day_to)).values_list("date", flat=True)
    )
    chairs = list(Chair.objects.filter(location=location, is_active=True).order_by("name"))
    staff = list(staff_of_organisation(location.organisation_id).order_by("last_name", "first_name", "id"))
    staff_ids = [u.id for u in staff]
    skills = defaultdict(set)
    for user_id, skill in StaffSkill.objects.filter(user_id__in=staff_ids).values_list("user_id", "skill"):
        skills[user_id].add(skill)
    weekly = defaultdict(lambda: defaultdict(list))
    for shift in StaffShift.objects.filter(location=location, user_id__in=staff_ids):
        weekly[shift.user_id][shift.weekday].append((shift.starts_at, shift.ends_at))
    extra, away = defaultdict(list), defaultdict(list)
    for exc in StaffException.objects.filter(
        user_id__in=staff_ids, starts_at__lt=window_end, ends_at__gt=window_start
    ).filter(Q(is_available=False) | Q(location=location)):
        (extra if exc.is_available else away)[exc.user_id].append(Span(exc.starts_at, exc.ends_at))

    live = Appointment.objects.filter(status__in=ACTIVE_STATUSES, starts_at__lt=window_end).exclude(
        pk__in=list(exclude_appointment_ids)
    )
    chair_busy, clinician_busy, monitoring, monitored = defaultdict(list), defaultdict(list), defaultdict(list), []
    rows = live.filter(
        Q(location=location, ends_at__gt=window_start)
        | Q(chair_free_at__gt=window_start, location=location)
        | Q(clinician_id__in=staff_ids, ends_at__gt=window_start)
        | Q(monitoring_nurse_id__in=staff_ids, ends_at__gt=window_start)
    ).values_list(
        "location_id",
        "chair_id",
        "clinician_id",
        "monitoring_nurse_id",
        "starts_at",
        "ends_at",
        "chair_free_at",
        "appointment_type__needs_monitoring",
    )
    for location_id, chair_id, clinician_id, nurse_id, starts_at, ends_at, chair_free_at, needs_monitoring in rows:
        if chair_id is not None:
            chair_busy[chair_id].append(Span(starts_at, chair_free_at or ends_at))
        if clinician_id is not None:
            clinician_busy[clinician_id].append(Span(starts_at, ends_at))
        if nurse_id is not None:
            monitoring[nurse_id].append(Span(starts_at, ends_at))
        if needs_monitoring and location_id == location.id:
            monitored.append(Span(starts_at, ends_at))

    return SlotContext(
        location_name=location.name,
        zone=zone,
        opening=opening,
        closed_dates=closed,
        chairs=tuple(
            ChairInfo(c.id, c.name, c.supports_iv, c.supports_esketamine, tuple(chair_busy[c.id])) for c in chairs
        ),
        staff=tuple(
            StaffInfo(
                id=u.id,
                name=u.display_name,
                role=u.role,
                skills=frozenset(skills[u.id]),
                on_site=staff_on_site(
                    zone, weekly[u.id], extra[u.id], away[u.id], day_from - dt.timedelta(days=1), day_to
                ),
                busy=tuple(clinician_busy[u.id]),
                monitoring=tuple(monitoring[u.id]),
            )
            for u in staff
        ),
        monitored=tuple(monitored),
        chairs_per_nurse=settings.chairs_per_nurse,
        slot_minutes=settings.slot_minutes,
    )


def check_slot(
    location: Location,
    appointment_type: AppointmentType,
    starts_at: dt.datetime,
    *,
    chair: Chair | None = None,
    clinician=None,
    monitoring_nurse=None,
    exclude_appointment_ids=(),
) -> SlotCheck:
    """Every booking rule for one candidate appointment, from the database (no permission check).

    Picks a free chair / clinician / monitoring nurse when none is given and the type needs one.
    """
    settings = scheduling_settings(location.organisation_id)
    day = starts_at.astimezone(location.zone).date()
    ctx = load_slot_context(
        location, day, day + dt.timedelta(days=1), exclude_appointment_ids=exclude_appointment_ids, settings=settings
    )
    return check_candidate(
        ctx,
        type_needs(appointment_type, settings),
        starts_at,
        chair_id=chair.pk if chair is not None else None,
        clinician_id=clinician.pk if clinician is not None else None,
        monitoring_nurse_id=monitoring_nurse.pk if monitoring_nurse is not None else None,
    )


# ---------------------------------------------------------------------------
# The earliest free slots (the booking page's and the API's "next free slot")

# How far ahead the search looks, and the most slots one request offers.
FREE_SLOT_SEARCH_DAYS = 28
FREE_SLOTS_MAX = 20


@dataclass(frozen=True)
class FreeSlots:
    location: Location
    appointment_type: AppointmentType
    patient: Patient
    slots: list[SlotCheck]  # in start order; each passes every booking rule with its chair, clinician and nurse
    searched_to: dt.date  # the last local day searched


def _lookup(field: str, read, *args, **kwargs):
    try:
        return read(*args, **kwargs)
    except Http404:
        raise ValidationError({field: "Not found in your clinic."}) from None


def next_free_slots(
    user,
    *,
    patient_id: int,
    appointment_type_id: int,
    location_id: int,
    not_before: dt.datetime,
    count: int = 5,
) -> FreeSlots:
    """The first `count` starts from `not_before` (within FREE_SLOT_SEARCH_DAYS) at which booking this
    type for this patient at this location would pass every rule (the same check_candidate as a
    booking, plus the patient's own appointments). Bad input raises ValidationError naming the field."""
    require_permission(user, Permission.SCHEDULE_BOOK)
    if not 1 <= count <= FREE_SLOTS_MAX:
        raise ValidationError({"count": f"Ask for between 1 and {FREE_SLOTS_MAX} slots."})
    patient = _lookup("patient_id", access_patient_by_id, user, patient_id, audit=False)
    appointment_type = _lookup("appointment_type_id", access_appointment_type_by_id, user, appointment_type_id)
    location = _lookup("location_id", access_location_by_id, user, location_id)
    if not appointment_type.is_active:
        raise ValidationError({"appointment_type_id": "Not an active appointment type of your clinic."})
    if not location.is_active:
        raise ValidationError({"location_id": "Not an active location of your clinic."})
    zone = location.zone
    not_before = max(not_before, timezone.now())
    day_from = not_before.astimezone(zone).date()
    day_to = day_from + dt.timedelta(days=FREE_SLOT_SEARCH_DAYS - 1)
    settings = scheduling_settings(location.organisation_id)
    ctx = load_slot_context(location, day_from, day_to, settings=settings)
    window_end = dt.datetime.combine(day_to + dt.timedelta(days=2), dt.time(), tzinfo=zone)
    patient_busy = [
        Span(starts_at, ends_at)
        for starts_at, ends_at in Appointment.objects.filter(
            patient=patient, status__in=ACTIVE_STATUSES, starts_at__lt=window_end, ends_at__gt=not_before
        ).values_list("starts_at", "ends_at")
    ]
    slots = earliest_fits(ctx, type_needs(appointment_type, settings), not_before, day_to, count, patient_busy)
    return FreeSlots(location, appointment_type, patient, slots, day_to)


# ---------------------------------------------------------------------------
# Appointments


def _appointments(user) -> QuerySet[Appointment]:
    require_permission(user, Permission.SCHEDULE_VIEW)
    return Appointment.objects.filter(organisation_id=org_id(user)).select_related(
        "patient", "location", "appointment_type", "chair", "clinician", "organisation"
    )


def access_appointment_by_id(user, appointment_id: int, *, audit: bool = True, for_update: bool = False) -> Appointment:
    """One appointment of the user's organisation; opening it is audited as a view of the patient."""
    appointments = _appointments(user)
    if for_update:
        appointments = appointments.select_for_update(of=("self",))
    appointment = appointments.filter(pk=appointment_id).first()
    if appointment is None:
        raise Http404("No such appointment")
    if audit:
        record_event(user, AuditAction.VIEW, appointment, patient=appointment.patient)
    return appointment


def bookable_patients(user) -> QuerySet[Patient]:
    """The clinic's patients to choose from on the booking page (a list of names, not a chart read)."""
    require_permission(user, Permission.SCHEDULE_BOOK)
    # A merged duplicate (patients.actions.do_merge_patients) is no longer booked: its survivor is.
    live = Patient.objects.filter(organisation_id=user.organisation_id, merged_into__isnull=True)
    return live.order_by("last_name", "first_name")


def _range_bounds(zone, day_from: dt.date, days: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day_from, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day_from + dt.timedelta(days=days), dt.time(), tzinfo=zone)
    return start, end


def list_appointments(
    user,
    *,
    starts_from: dt.datetime,
    starts_before: dt.datetime,
    location_id: int | None = None,
    include_cancelled: bool = False,
) -> list[Appointment]:
    """Appointments starting in [starts_from, starts_before) (audited as one list)."""
    if starts_before <= starts_from:
        raise ValidationError({"end": "The end must be after the start."})
    if starts_before - starts_from > dt.timedelta(days=MAX_RANGE_DAYS):
        raise ValidationError({"end": f"Ask for at most {MAX_RANGE_DAYS} days at once."})
    appointments = _appointments(user).filter(starts_at__gte=starts_from, starts_at__lt=starts_before)
    if location_id is not None:
        appointments = appointments.filter(location=access_location_by_id(user, location_id))
    if not include_cancelled:
        appointments = appointments.filter(status__in=ACTIVE_STATUSES)
    result = list(appointments.order_by("starts_at", "id"))
    record_event(
        user,
        AuditAction.LIST,
        object_type="scheduling.appointment",
        detail={
            "from": starts_from.isoformat(),
            "before": starts_before.isoformat(),
            "location_id": location_id,
            "count": len(result),
        },
    )
    return result


# ---------------------------------------------------------------------------
# Calendars


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """An appointment on a calendar, built from one row of values rather than six model instances
    (the week calendar's cost used to grow with its appointments): times already converted to the
    calendar's zone and formatted, links already built. Templates show these strings as they are."""

    url: str
    patient_url: str
    status: str
    local_date: dt.date  # the calendar day it falls on, in the calendar's zone
    starts: str  # "09:00", local
    ends: str
    ends_zone: str  # the zone's abbreviation at the end ("EST")
    chair_free: str  # when the chair is free, if later than the end; else ""
    type_name: str
    patient_name: str
    clinician_name: str
    location_name: str
    chair_id: int | None


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    heading: str  # "Monday 7 December 2026"
    opening: str  # "08:00–18:00", local; "" when it does not open that weekday
    closed_reason: str | None  # a closed date
    columns: list[list[CalendarEntry]]  # one per chair (same order as chairs), then "no chair"


@dataclass(frozen=True)
class LocationCalendar:
    location: Location
    chair_names: list[str]  # the columns, in order (then "no chair")
    days: list[CalendarDay]
    day_from: dt.date
    span_days: int


_ENTRY_FIELDS = (
    "pk",
    "status",
    "starts_at",
    "ends_at",
    "chair_free_at",
    "chair_id",
    "patient_id",
    "patient__first_name",
    "patient__last_name",
    "appointment_type__name",
    "clinician__first_name",
    "clinician__last_name",
    "location__name",
)


def _entries(rows, zone) -> list[CalendarEntry]:
    """Calendar entries of the rows of _ENTRY_FIELDS (in their order), in `zone`."""
    appointment_url, patient_url = urls_with_id("scheduling:appointment_detail"), urls_with_id("patients:detail")
    entries = []
    for (
        pk,
        status,
        starts_at,
        ends_at,
        chair_free_at,
        chair_id,
        patient_id,
        first_name,
        last_name,
        type_name,
        clinician_first_name,
        clinician_last_name,
        location_name,
    ) in rows:
        starts, ends = starts_at.astimezone(zone), ends_at.astimezone(zone)
        clinician = f"{clinician_first_name or ''} {clinician_last_name or ''}".strip()  # as User.get_full_name
        entries.append(
            CalendarEntry(
                url=appointment_url(pk),
                patient_url=patient_url(patient_id),
                status=status,
                local_date=starts.date(),
                starts=f"{starts:%H:%M}",
                ends=f"{ends:%H:%M}",
                ends_zone=ends.tzname() or "",
                chair_free=f"{chair_free_at.astimezone(zone):%H:%M}"
                if chair_free_at and chair_free_at != ends_at
                else "",
                type_name=type_name,
                patient_name=f"{first_name} {last_name}",  # as Patient.full_name
                clinician_name=clinician,
                location_name=location_name,
                chair_id=chair_id,
            )
        )
    return entries


def _day_heading(date: dt.date) -> str:
    """ "Monday 7 December 2026", in the active language: what |date:"l j F Y" gives, at a sixth of its cost."""
    return f"{WEEKDAYS[date.weekday()]} {date.day} {MONTHS[date.month]} {date.year}"


# The week calendar's reads, built once per database connection (lib/fixed_reads.py): building them from
# querysets cost more than the rest of the page (issue 19). Each request still asks the database.
_active_chairs = FixedRead(
    Chair,
    lambda location_id: (
        Chair.objects.filter(location_id=location_id, is_active=True).order_by("name").values_list("id", "name")
    ),
    location_id=int,
)
_opening_hours = FixedRead(
    OpeningHours,
    lambda location_id: (
        OpeningHours.objects.filter(location_id=location_id).order_by().values_list("weekday", "opens_at", "closes_at")
    ),
    location_id=int,
)
_closed_dates = FixedRead(
    ClosedDate,
    lambda location_id, first_date, last_date: (
        ClosedDate.objects.filter(location_id=location_id, date__gte=first_date, date__lte=last_date)
        .order_by()
        .values_list("date", "reason")
    ),
    location_id=int,
    first_date=dt.date,
    last_date=dt.date,
)
_live_appointments_at = FixedRead(
    Appointment,
    lambda organisation_id, location_id, starts_from, starts_before: (
        Appointment.objects.filter(
            organisation_id=organisation_id,
            location_id=location_id,
            status__in=ACTIVE_STATUSES,
            starts_at__gte=starts_from,
            starts_at__lt=starts_before,
        )
        .order_by("starts_at", "id")
        .values_list(*_ENTRY_FIELDS)
    ),
    organisation_id=int,
    location_id=int,
    starts_from=dt.datetime,
    starts_before=dt.datetime,
)


def location_calendar(user, location: Location, day_from: dt.date, span_days: int) -> LocationCalendar:
    """A location's live appointments by local day, chairs as columns (a fixed number of queries).

    `location` as access_location_by_id returned it to `user` (the page needs its zone first): not read again.
    """
    require_permission(user, Permission.SCHEDULE_VIEW)
    if location.organisation_id != org_id(user):
        raise Http404("No such location")
    zone = location.zone
    start, end = _range_bounds(zone, day_from, span_days)
    chairs = _active_chairs.rows(location_id=location.pk)
    opening = {
        weekday: f"{opens_at:%H:%M}–{closes_at:%H:%M}"
        for weekday, opens_at, closes_at in _opening_hours.rows(location_id=location.pk)
    }
    closed = dict(
        _closed_dates.rows(
            location_id=location.pk, first_date=day_from, last_date=day_from + dt.timedelta(days=span_days - 1)
        )
    )
    rows = _live_appointments_at.rows(
        organisation_id=location.organisation_id, location_id=location.pk, starts_from=start, starts_before=end
    )
    column_of = {chair_id: index for index, (chair_id, _) in enumerate(chairs)}
    days = []
    by_day = defaultdict(list)
    for entry in _entries(rows, zone):
        by_day[entry.local_date].append(entry)
    for offset in range(span_days):
        date = day_from + dt.timedelta(days=offset)
        columns = [[] for _ in range(len(chairs) + 1)]
        for entry in by_day[date]:
            columns[column_of.get(entry.chair_id, len(chairs))].append(entry)
        days.append(
            CalendarDay(
                date=date,
                heading=_day_heading(date),
                opening=opening.get(date.weekday(), ""),
                closed_reason=(closed[date] or "Closed") if date in closed else None,
                columns=columns,
            )
        )
    return LocationCalendar(
        location=location,
        chair_names=[name for _, name in chairs],
        days=days,
        day_from=day_from,
        span_days=span_days,
    )


@dataclass(frozen=True)
class StaffCalendar:
    person: object
    zone: object
    days: list[tuple[dt.date, list[CalendarEntry], list[str]]]  # date, appointments, shifts ("Boston 08:00–16:00")
    day_from: dt.date
    span_days: int


def staff_calendar(user, staff_id: int, day_from: dt.date, span_days: int, zone) -> StaffCalendar:
    """A staff member's appointments (as clinician or monitoring nurse) and shifts, in `zone`."""
    person = access_staff_by_id(user, staff_id)
    start, end = _range_bounds(zone, day_from, span_days)
    rows = (
        _appointments(user)
        .filter(
            Q(clinician=person) | Q(monitoring_nurse=person),
            status__in=ACTIVE_STATUSES,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .order_by("starts_at", "id")
    )
    by_day = defaultdict(list)
    for entry in _entries(rows.values_list(*_ENTRY_FIELDS), zone):
        by_day[entry.local_date].append(entry)
    shifts = defaultdict(list)
    for shift in StaffShift.objects.filter(user=person).select_related("location").order_by("starts_at"):
        shifts[shift.weekday].append(f"{shift.location.name} {shift.starts_at:%H:%M}–{shift.ends_at:%H:%M}")
    days = []
    for offset in range(span_days):
        date = day_from + dt.timedelta(days=offset)
        days.append((date, by_day[date], shifts[date.weekday()]))
    return StaffCalendar(person=person, zone=zone, days=days, day_from=day_from, span_days=span_days)


def location_archive_blockers(location: Location) -> list[BlockingItem]:
    """The appointments still to come (or under way) at `location`, each with its page: a location is
    not archived, nor its zone changed, while any exists (clinics/hooks.py; registered in apps.py).
    Asked inside the clinic admin's archive action, which has checked the permission and organisation."""
    upcoming = (
        Appointment.objects.filter(
            location=location,
            status__in=[AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN],
            ends_at__gt=timezone.now(),
        )
        .select_related("patient", "appointment_type")
        .order_by("starts_at", "pk")
    )
    zone = location.zone
    return [
        BlockingItem(
            label=(
                f"{appointment.starts_at.astimezone(zone):%a %d %b %Y %H:%M %Z}: "
                f"{appointment.appointment_type.name}, {appointment.patient.full_name}"
            ),
            url=reverse("scheduling:appointment_detail", args=[appointment.pk]),
        )
        for appointment in upcoming
    ]
