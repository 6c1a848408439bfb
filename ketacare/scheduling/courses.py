"""Whole courses and the waitlist: the database as a solver instance, and the actions that book from its answer.

The adapter turns what the booking rules read (selectors.load_slot_context: opening hours,
closed dates, capable chairs and their bookings, monitoring nurses' real hours with leave and
extra hours, the prescriber-on-site rule) into the exchange format of
../shared/scheduling-instance.md, one instance per time zone (the format has one zone). The
format's weekly hours cannot say "this Tuesday only": each weekday gets the hours that hold on
*every* date of that weekday in the range (leave on one Tuesday shortens every Tuesday), which
is exact for a range of at most 7 days and never too generous for longer ones. Every placement
the solver returns is then re-checked by the booking rules before it is written.

A course is booked session by session, each in the earliest date of its planned window that
leaves room for the spacing rule (earliest-first keeps the later windows reachable; sessions of
one course are on different days, so they never compete for a chair or a nurse). The exchange
format has no per-session windows, so each step is a one-session request over at most 7 days
through the domain core's solve(), which answers a single request with its exact earliest
series; the waitlist batch, where requests compete, is where solve() runs CP-SAT.
"""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.patients.selectors import access_patient_by_id
from ketacare.protocols.domain.plan_status import PlanStatus
from ketacare.protocols.models import PlannedSession, Route, TreatmentPlan
from ketacare.protocols.selectors import access_plan_by_id
from ketacare.scheduling import actions as booking
from ketacare.scheduling.domain.availability import (
    MONITOR_SKILL,
    PRESCRIBER_ROLE,
    SlotContext,
    Span,
    check_candidate,
    merge,
)
from ketacare.scheduling.domain.instance import parse_instance
from ketacare.scheduling.domain.solver import solve
from ketacare.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AppointmentType,
    Chair,
    Course,
    WaitlistEntry,
)
from ketacare.scheduling.selectors import (
    access_appointment_by_id,
    access_appointment_type_by_id,
    access_location_by_id,
    load_slot_context,
    refusal,
    scheduling_settings,
    type_needs,
)

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
# Exact weekly encoding needs each weekday at most once in an instance.
EXACT_DAYS = 7
# A one-session step is a small model; the waitlist batch uses the clinic's setting.
STEP_TIME_LIMIT_SECONDS = 2.0
# When the re-check refuses what the solver placed, that date is closed and the step re-solved.
MAX_RECHECKS_PER_STEP = 3
LATER_START_DAYS = (7, 14, 21, 28)
# Other locations tried for an alternative when the chosen ones are full.
MAX_OTHER_LOCATIONS = 5
MAX_COURSE_HORIZON_DAYS = 120
MAX_WAITLIST_WEEKS = 8
# The route of a plan -> the kind of appointment its sessions are.
ROUTE_KIND = {
    Route.IV: AppointmentKind.IV_INFUSION,
    Route.INTRANASAL_ESKETAMINE: AppointmentKind.ESKETAMINE,
    Route.IM: AppointmentKind.IM,
    Route.SUBLINGUAL: AppointmentKind.SUBLINGUAL,
}
# A course is booked for a plan about to start or under way.
BOOKABLE_PLAN_STATUSES = (PlanStatus.PROPOSED, PlanStatus.ACTIVE)
ANY_TIME = [{"days": list(WEEKDAY_KEYS), "from": "00:00", "to": "24:00"}]


# ---------------------------------------------------------------------------
# Adapter: database -> exchange-format instance


def location_key(location_id: int) -> str:
    return f"loc-{location_id}"


def chair_key(chair_id: int) -> str:
    return f"chair-{chair_id}"


@dataclass
class ZoneInstance:
    """One exchange-format instance (one time zone) and how its ids map back to rows."""

    zone_name: str
    data: dict
    contexts: dict[str, SlotContext]  # location key -> the snapshot it was built from
    locations: dict[str, Location]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"  # an end at midnight is "24:00" in the format


def _day_intervals(spans, day: dt.date, zone) -> list[tuple[int, int]]:
    """The parts of aware spans that fall on a local day, as minutes from local midnight."""
    day_start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    intervals = []
    for span in merge(spans):
        start, end = max(span.start, day_start), min(span.end, day_end)
        if start < end:
            local_start = start.astimezone(zone)
            minutes_from = local_start.hour * 60 + local_start.minute
            intervals.append((minutes_from, minutes_from + int((end - start).total_seconds() // 60)))
    return intervals


def _intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    result = []
    for a_from, a_to in a:
        for b_from, b_to in b:
            low, high = max(a_from, b_from), min(a_to, b_to)
            if low < high:
                result.append((low, high))
    return sorted(result)


def _every(per_date: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """What holds on every one of the dates (intersection of their interval lists)."""
    if not per_date:
        return []
    common = per_date[0]
    for intervals in per_date[1:]:
        common = _intersect(common, intervals)
    return common


def _location_entry(key: str, ctx: SlotContext, needs, dates: list[dt.date]) -> tuple[dict, dict[str, int]]:
    zone = ctx.zone
    open_dates = [d for d in dates if d not in ctx.closed_dates]
    prescriber_spans = [s for person in ctx.staff if person.role == PRESCRIBER_ROLE for s in person.on_site]
    nurses = [person for person in ctx.staff if MONITOR_SKILL in person.skills]
    hours: dict[str, list[str]] = {}
    nurse_shifts: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for weekday, name in enumerate(WEEKDAY_KEYS):
        same_day = [d for d in open_dates if d.weekday() == weekday]
        opening = ctx.opening.get(weekday)
        if not same_day or opening is None:
            continue
        opens = opening[0].hour * 60 + opening[0].minute
        closes = opening[1].hour * 60 + opening[1].minute
        per_date = []
        for day in same_day:
            intervals = [(opens, closes)]
            if needs.needs_prescriber_on_site:
                # The format has one interval a day: keep the longest stretch with a prescriber on site.
                covered = _intersect(intervals, _day_intervals(prescriber_spans, day, zone))
                intervals = [max(covered, key=lambda i: i[1] - i[0])] if covered else []
            per_date.append(intervals)
        common = _every(per_date)
        if common:
            hours[name] = [_hhmm(common[0][0]), _hhmm(common[0][1])]
        for person in nurses:
            # A nurse with two stretches on one day becomes two capacity units ("n7-0", "n7-1").
            stretches = _every([_day_intervals(person.on_site, day, zone) for day in same_day])
            for index, (start, end) in enumerate(stretches):
                nurse_shifts[f"n{person.id}-{index}"][name] = [_hhmm(start), _hhmm(end)]
    chairs = [c for c in ctx.chairs if c.supports(needs.chair)]
    entry = {
        "id": key,
        "chairs": [chair_key(c.id) for c in chairs],
        "hours": hours,
        "closed_dates": sorted(d.isoformat() for d in ctx.closed_dates if dates[0] <= d <= dates[-1]),
        "nurses": [{"id": nurse_id, "shifts": shifts} for nurse_id, shifts in sorted(nurse_shifts.items())],
        "chairs_per_nurse": ctx.chairs_per_nurse,
    }
    return entry, {chair_key(c.id): c.id for c in chairs}


def _booked_items(key: str, ctx: SlotContext, needs, first: dt.date, last: dt.date) -> list[dict]:
    """Every live appointment on a listed chair, as the chair holds it (turnover included), clipped to the range."""
    zone = ctx.zone
    range_start = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    range_end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    items = []
    for chair in ctx.chairs:
        if not chair.supports(needs.chair):
            continue
        for span in chair.busy:
            start, end = max(span.start, range_start), min(span.end, range_end)
            if start < end:
                items.append({
                    "location": key, "chair": chair_key(chair.id),
                    "start": start.astimezone(zone).replace(tzinfo=None).isoformat(timespec="minutes"),
                    "minutes": max(1, int((end - start).total_seconds() // 60)),
                })
    return items


def build_instances(
    contexts: dict[int, tuple[Location, SlotContext]], needs, first: dt.date, last: dt.date, slot_minutes: int
) -> list[ZoneInstance]:
    """Exchange-format instances over the local dates [first, last], one per time zone, no requests yet."""
    dates = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    by_zone: dict[str, list[tuple[Location, SlotContext]]] = defaultdict(list)
    for location, ctx in contexts.values():
        by_zone[location.time_zone].append((location, ctx))
    instances = []
    for zone_name, members in sorted(by_zone.items()):
        data = {
            "timezone": zone_name, "start_date": first.isoformat(), "days": len(dates), "slot_minutes": slot_minutes,
            "locations": [], "booked": [], "requests": [],
        }
        keyed_contexts, keyed_locations = {}, {}
        for location, ctx in members:
            if not any(c.supports(needs.chair) for c in ctx.chairs):
                continue  # the format needs a chair per location; requests cannot go there anyway
            key = location_key(location.pk)
            entry, _chairs = _location_entry(key, ctx, needs, dates)
            data["locations"].append(entry)
            data["booked"].extend(_booked_items(key, ctx, needs, first, last))
            keyed_contexts[key], keyed_locations[key] = ctx, location
        instances.append(ZoneInstance(zone_name, data, keyed_contexts, keyed_locations))
    return instances


def load_contexts(locations, first: dt.date, last: dt.date, settings) -> dict[int, tuple[Location, SlotContext]]:
    return {location.pk: (location, load_slot_context(location, first, last, settings=settings)) for location in locations}


def build_instances_from_db(appointment_type: AppointmentType, locations, first: dt.date, last: dt.date) -> list[ZoneInstance]:
    """The database as instances (no requests): for `ketacare schedule` exports and the tests."""
    settings = scheduling_settings(appointment_type.organisation_id)
    needs = type_needs(appointment_type, settings)
    return build_instances(load_contexts(locations, first, last, settings), needs, first, last, settings.slot_minutes)


def _named(reason: str, instance: ZoneInstance) -> str:
    """A solver reason with the instance's ids ("loc-3") replaced by location names."""
    return re.sub(r"\bloc-\d+\b", lambda m: instance.locations[m[0]].name if m[0] in instance.locations else m[0], reason)


def _solve(data: dict, time_limit_seconds: float):
    return solve(parse_instance(data), time_limit_seconds)


# ---------------------------------------------------------------------------
# Patient availability (the exchange format's shape)


def _minutes(text, *, end: bool) -> int | None:
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isdigit():
        return None
    hours, minutes = int(text[:2]), int(text[3:])
    if minutes < 60 and (hours < 24 or (end and text == "24:00")):
        return hours * 60 + minutes
    return None


def clean_availability(value) -> list[dict]:
    """[{"days": ["mon", ...], "from": "HH:MM", "to": "HH:MM"}]; ValidationError naming `availability`."""
    if not isinstance(value, list) or not value or len(value) > 14:
        raise ValidationError({"availability": "Give one to 14 windows of days and times."})
    cleaned = []
    for number, window in enumerate(value, start=1):
        if not isinstance(window, dict) or set(window) != {"days", "from", "to"}:
            raise ValidationError({"availability": f"Window {number} must have exactly days, from and to."})
        days = window["days"]
        if not isinstance(days, list) or not days or any(d not in WEEKDAY_KEYS for d in days):
            raise ValidationError({"availability": f"Window {number}: days must be some of {', '.join(WEEKDAY_KEYS)}."})
        start, end = _minutes(window["from"], end=False), _minutes(window["to"], end=True)
        if start is None or end is None:
            raise ValidationError({"availability": f"Window {number}: from and to must be times like 08:30."})
        if end <= start:
            raise ValidationError({"availability": f"Window {number}: 'to' must be after 'from'."})
        cleaned.append({"days": sorted(set(days), key=WEEKDAY_KEYS.index), "from": window["from"], "to": window["to"]})
    return cleaned


def describe_availability(availability: list[dict]) -> str:
    return "; ".join(f"{', '.join(w['days'])} {w['from']}–{w['to']}" for w in availability)


# ---------------------------------------------------------------------------
# Proposing a course


@dataclass(frozen=True)
class SessionWindow:
    sequence: int
    earliest: dt.date
    latest: dt.date
    planned_session_id: int | None = None


@dataclass(frozen=True)
class Placement:
    sequence: int
    starts_at: dt.datetime  # aware
    chair_id: int
    planned_session_id: int | None = None


@dataclass
class CourseAttempt:
    """A full course at one location, or why not (the first session that does not fit)."""

    location: Location
    placements: list[Placement] = field(default_factory=list)
    failed_sequence: int | None = None
    reason: str = ""
    ctx: SlotContext | None = None  # the snapshot it was found in

    @property
    def fits(self) -> bool:
        return self.failed_sequence is None


@dataclass(frozen=True)
class CourseRequest:
    appointment_type: AppointmentType
    windows: list[SessionWindow]
    min_days_between: int
    availability: list[dict]
    not_before: dt.date  # nothing is booked in the past
    patient_busy: tuple[Span, ...] = ()  # the patient's other live appointments: one place at a time

    def shifted(self, days: int) -> "CourseRequest":
        return replace(self, windows=[
            SessionWindow(w.sequence, w.earliest + dt.timedelta(days=days), w.latest + dt.timedelta(days=days),
                          w.planned_session_id) for w in self.windows])

    def relaxed(self) -> "CourseRequest":
        return replace(self, availability=ANY_TIME)


def _subtract(intervals: list[tuple[int, int]], cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    for cut_from, cut_to in cuts:
        pieces = []
        for start, end in intervals:
            if cut_to <= start or end <= cut_from:
                pieces.append((start, end))
                continue
            if start < cut_from:
                pieces.append((start, cut_from))
            if cut_to < end:
                pieces.append((cut_to, end))
        intervals = pieces
    return intervals


def _step_availability(request: CourseRequest, first: dt.date, last: dt.date, zone) -> list[dict]:
    """The patient's availability on the step's dates (at most 7, one per weekday) minus their other
    appointments those days, in the exchange format's shape."""
    windows = []
    day = first
    while day <= last:
        name = WEEKDAY_KEYS[day.weekday()]
        intervals = [(_minutes(w["from"], end=False), _minutes(w["to"], end=True))
                     for w in request.availability if name in w["days"]]
        for start, end in _subtract(intervals, _day_intervals(request.patient_busy, day, zone)):
            windows.append({"days": [name], "from": _hhmm(start), "to": _hhmm(end)})
        day += dt.timedelta(days=1)
    return windows


def _step(location: Location, ctx: SlotContext, needs, request: CourseRequest, first: dt.date, last: dt.date,
          slot_minutes: int) -> tuple[Placement | None, str]:
    """The earliest single session at `location` on a date in [first, last] (at most 7 days), re-checked."""
    if not any(c.supports(needs.chair) for c in ctx.chairs):
        return None, f"no active chair there supports {needs.chair or 'a chair'}"
    closed: set[dt.date] = set()
    for _attempt in range(MAX_RECHECKS_PER_STEP):
        instance = build_instances({location.pk: (location, ctx)}, needs, first, last, slot_minutes)[0]
        entry = instance.data["locations"][0]
        entry["closed_dates"] = sorted({*entry["closed_dates"], *(d.isoformat() for d in closed)})
        instance.data["requests"] = [{
            "id": "session", "sessions": 1, "session_minutes": needs.patient_minutes + needs.turnover_minutes,
            "min_days_between": request.min_days_between, "max_span_days": 0,
            "earliest_date": first.isoformat(), "latest_start_date": last.isoformat(),
            "locations": [entry["id"]], "availability": _step_availability(request, first, last, ctx.zone),
        }]
        result = _solve(instance.data, STEP_TIME_LIMIT_SECONDS)
        if not result.scheduled:
            return None, _named(result.unscheduled[0][1] if result.unscheduled else "no slot", instance)
        session = result.scheduled[0].sessions[0]
        starts_at = session.start.replace(tzinfo=ctx.zone)
        chair_id = int(session.chair.removeprefix("chair-"))
        check = check_candidate(ctx, needs, starts_at, chair_id=chair_id)
        visit = Span(check.starts_at, check.ends_at)
        if check.ok and not any(visit.overlaps(busy) for busy in request.patient_busy):
            return Placement(0, starts_at, chair_id), ""
        closed.add(session.start.date())
    return None, "the booking rules refuse what fits on paper (monitoring or staffing on those dates)"


def attempt_course(location: Location, ctx: SlotContext, needs, request: CourseRequest, slot_minutes: int) -> CourseAttempt:
    """Each session in the earliest date of its window that keeps the spacing, at one location."""
    attempt = CourseAttempt(location, ctx=ctx)
    previous: dt.date | None = None
    for window in request.windows:
        first = max(window.earliest, request.not_before)
        if previous is not None:
            first = max(first, previous + dt.timedelta(days=request.min_days_between))
        placement, reason = None, ""
        chunk_start = first
        while placement is None and chunk_start <= window.latest:
            chunk_end = min(window.latest, chunk_start + dt.timedelta(days=EXACT_DAYS - 1))
            placement, reason = _step(location, ctx, needs, request, chunk_start, chunk_end, slot_minutes)
            chunk_start = chunk_end + dt.timedelta(days=1)
        if placement is None:
            attempt.failed_sequence = window.sequence
            if first > window.latest:
                reason = (f"its window {window.earliest:%a %d %b}–{window.latest:%a %d %b} leaves no date "
                          f"{request.min_days_between} day(s) after the session before" if previous else
                          f"its window {window.earliest:%a %d %b}–{window.latest:%a %d %b} is already past")
            attempt.reason = f"session {window.sequence} ({window.earliest:%d %b}–{window.latest:%d %b}) at {location.name}: {reason}"
            return attempt
        attempt.placements.append(Placement(window.sequence, placement.starts_at, placement.chair_id, window.planned_session_id))
        previous = placement.starts_at.astimezone(ctx.zone).date()
    return attempt


@dataclass
class Alternative:
    kind: str  # "location", "later_start", "other_times"
    label: str
    location_id: int
    shift_days: int
    any_time: bool
    attempt: CourseAttempt


@dataclass
class CourseProposal:
    """The course as it would be booked, or why it does not fit and the nearest alternatives."""

    attempt: CourseAttempt | None
    reason: str = ""
    constraint: str = ""  # "patient_availability", "location", "dates" or "resources"
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def fits(self) -> bool:
        return self.attempt is not None and self.attempt.fits


def _horizon(request: CourseRequest) -> tuple[dt.date, dt.date]:
    first = max(min(w.earliest for w in request.windows), request.not_before)
    return first, max(first, max(w.latest for w in request.windows))


def _best(attempts: list[CourseAttempt]) -> CourseAttempt | None:
    """The location where the course starts (then ends) earliest; the caller's order breaks ties."""
    fitting = [a for a in attempts if a.fits]
    if not fitting:
        return None
    return min(fitting, key=lambda a: (a.placements[0].starts_at, a.placements[-1].starts_at))


def _nearest(location: Location, candidates) -> list[Location]:
    """Other locations to offer, same time zone first (the nearest we know without addresses)."""
    others = [c for c in candidates if c.pk != location.pk]
    return sorted(others, key=lambda c: (c.time_zone != location.time_zone, c.name))[:MAX_OTHER_LOCATIONS]


def propose_course(request: CourseRequest, locations: list[Location], *, alternatives_from=()) -> CourseProposal:
    """Try the chosen locations; if none fits, say why and try relaxed inputs (other times, the
    nearest other locations of `alternatives_from`, later starts)."""
    settings = scheduling_settings(request.appointment_type.organisation_id)
    needs = type_needs(request.appointment_type, settings)

    def attempt(location, ctx, relaxed):
        return attempt_course(location, ctx, needs, relaxed, settings.slot_minutes)

    first, last = _horizon(request)
    contexts = load_contexts(locations, first, last, settings)
    attempts = [attempt(loc, contexts[loc.pk][1], request) for loc in locations]
    best = _best(attempts)
    if best is not None:
        return CourseProposal(best)
    reasons = "; ".join(a.reason for a in attempts)
    proposal = CourseProposal(None, reason=f"No full course fits: {reasons}.")
    relaxed = request.relaxed()
    for location in locations:
        found = attempt(location, contexts[location.pk][1], relaxed)
        if found.fits:
            proposal.alternatives.append(Alternative(
                "other_times", f"{location.name} at other times (any opening hours)", location.pk, 0, True, found))
            break
    chosen = {loc.pk for loc in locations}
    for location in _nearest(locations[0], [c for c in alternatives_from if c.pk not in chosen]):
        ctx = load_slot_context(location, first, last, settings=settings)
        found = attempt(location, ctx, request)
        if found.fits:
            proposal.alternatives.append(Alternative("location", f"{location.name} instead", location.pk, 0, False, found))
            break
    later_contexts = load_contexts(locations, first, last + dt.timedelta(days=max(LATER_START_DAYS)), settings)
    for days in LATER_START_DAYS:
        later = request.shifted(days)
        found = _best([attempt(loc, later_contexts[loc.pk][1], later) for loc in locations])
        if found is not None:
            proposal.alternatives.append(Alternative(
                "later_start", f"{found.location.name}, starting {days} days later", found.location.pk, days, False, found))
            break
    kinds = {a.kind for a in proposal.alternatives}
    if "other_times" in kinds:
        proposal.constraint = "patient_availability"
        proposal.reason += " The patient's available days and times are what prevents it."
    elif "location" in kinds:
        proposal.constraint = "location"
        proposal.reason += " The chosen location(s) have no room in the plan's windows (chairs, nurses or hours)."
    elif "later_start" in kinds:
        proposal.constraint = "dates"
        proposal.reason += " The plan's session windows are full; a later start fits."
    else:
        proposal.constraint = "resources"
        proposal.reason += " Nothing nearby fits either: check chairs, nurse shifts and opening hours."
    return proposal


# ---------------------------------------------------------------------------
# Reads


def _plan_for_booking(actor, plan_id: int, *, for_update: bool = False) -> TreatmentPlan:
    plan = access_plan_by_id(actor, plan_id, audit=False, for_update=for_update)
    if plan.status not in BOOKABLE_PLAN_STATUSES:
        raise ValidationError({"plan_id": f"A {plan.status} plan cannot be booked."})
    return plan


def _other_locations(actor):
    """The clinic's locations to offer as alternatives (lazy: read only when a course does not fit)."""
    return Location.objects.filter(organisation_id=actor.organisation_id, is_active=True).order_by("name")


def _refuse_if_booked(plan: TreatmentPlan) -> None:
    if Appointment.objects.filter(planned_session__plan=plan, status__in=ACTIVE_STATUSES).exists():
        raise ValidationError({"plan_id": "Sessions of this plan are already booked: cancel the rest of that course first."})


def default_appointment_type(plan: TreatmentPlan) -> AppointmentType | None:
    """The clinic's active appointment type for the plan's route (with a chair)."""
    kind = ROUTE_KIND.get(plan.template.route)
    return AppointmentType.objects.filter(
        organisation_id=plan.patient.organisation_id, kind=kind, is_active=True
    ).exclude(chair="").order_by("name").first()


def course_request(plan: TreatmentPlan, appointment_type: AppointmentType, availability: list[dict],
                   shift_days: int = 0) -> CourseRequest:
    zone = plan.patient.home_location.zone if plan.patient.home_location_id else dt.UTC
    windows = [SessionWindow(s.sequence, s.window_start, s.window_end, s.pk) for s in plan.sessions.order_by("sequence")]
    if not windows:
        raise ValidationError({"plan_id": "This plan has no planned sessions."})
    # Tomorrow at the earliest: a course is booked ahead, never into a session already under way.
    not_before = timezone.localdate(timezone=zone) + dt.timedelta(days=1)
    horizon_end = dt.datetime.combine(windows[-1].latest + dt.timedelta(days=shift_days + 2), dt.time(), tzinfo=zone)
    busy = tuple(Span(start, end) for start, end in Appointment.objects.filter(
        patient=plan.patient, status__in=ACTIVE_STATUSES, ends_at__gt=timezone.now(), starts_at__lt=horizon_end,
    ).values_list("starts_at", "ends_at"))
    request = CourseRequest(appointment_type, windows, plan.template.min_days_between, availability, not_before, busy)
    return request.shifted(shift_days) if shift_days else request


def _clean_course_inputs(actor, plan: TreatmentPlan, appointment_type_id, location_ids, availability, shift_days, any_time):
    appointment_type = access_appointment_type_by_id(actor, appointment_type_id)
    if not appointment_type.is_active:
        raise ValidationError({"appointment_type_id": "This appointment type is no longer in use."})
    if not appointment_type.chair:
        raise ValidationError({"appointment_type_id": "A course is booked in treatment chairs: choose a type that takes a chair."})
    if not location_ids:
        raise ValidationError({"location_ids": "Choose at least one location."})
    locations = []
    for location_id in dict.fromkeys(location_ids):
        try:
            locations.append(access_location_by_id(actor, location_id))
        except Http404:
            raise ValidationError({"location_ids": f"Location {location_id} is not one of this clinic's locations."}) from None
    if isinstance(shift_days, bool) or not isinstance(shift_days, int) or not 0 <= shift_days <= MAX_COURSE_HORIZON_DAYS:
        raise ValidationError({"shift_days": f"Shift the start by 0 to {MAX_COURSE_HORIZON_DAYS} days."})
    availability = ANY_TIME if any_time else clean_availability(availability)
    return appointment_type, locations, availability


def preview_course(actor, plan_id: int, *, appointment_type_id: int, location_ids: list[int], availability=None,
                   shift_days: int = 0, any_time: bool = False) -> CourseProposal:
    """What booking would do (no writes): the course, or why not and the nearest alternatives."""
    require_permission(actor, Permission.SCHEDULE_BOOK)
    plan = _plan_for_booking(actor, plan_id)
    appointment_type, locations, availability = _clean_course_inputs(
        actor, plan, appointment_type_id, location_ids, availability, shift_days, any_time)
    _refuse_if_booked(plan)
    request = course_request(plan, appointment_type, availability, shift_days)
    return propose_course(request, locations, alternatives_from=_other_locations(actor))


class CourseDoesNotFit(ValidationError):
    """No full course fits; `.proposal` carries the reason and the alternatives."""

    def __init__(self, proposal: CourseProposal):
        super().__init__({"course": proposal.reason})
        self.proposal = proposal


def _live_course_appointments(course: Course):
    return course.appointments.filter(status__in=ACTIVE_STATUSES)


@transaction.atomic
def do_book_course(actor, plan_id: int, *, appointment_type_id: int, location_ids: list[int], availability=None,
                   shift_days: int = 0, any_time: bool = False) -> Course:
    """Book every planned session of a plan in one course, all or nothing."""
    require_permission(actor, Permission.SCHEDULE_BOOK)
    plan = _plan_for_booking(actor, plan_id, for_update=True)
    appointment_type, locations, availability = _clean_course_inputs(
        actor, plan, appointment_type_id, location_ids, availability, shift_days, any_time)
    _refuse_if_booked(plan)
    request = course_request(plan, appointment_type, availability, shift_days)
    # Locked before reading: what the solver sees stays true until this transaction commits.
    for location in sorted(locations, key=lambda l: l.pk):
        booking.lock_location(location)
    proposal = propose_course(request, locations, alternatives_from=_other_locations(actor))
    if not proposal.fits:
        raise CourseDoesNotFit(proposal)
    attempt = proposal.attempt
    course = Course.objects.create(
        organisation_id=actor.organisation_id, patient=plan.patient, plan=plan, appointment_type=appointment_type,
        location=attempt.location, created_by=actor,
    )
    _book_placements(actor, course, attempt, locked_ctx=attempt.ctx)
    record_event(actor, AuditAction.CREATE, course, patient=plan.patient, detail={
        "plan_id": plan.pk, "location_id": attempt.location.pk, "sessions": len(attempt.placements),
        "shift_days": shift_days, "availability": availability,
    })
    return course


def _book_placements(actor, course: Course, attempt: CourseAttempt, *, locked_ctx: SlotContext | None = None
                     ) -> list[Appointment]:
    """The final inserts of a course: the same rules and guards as booking.create_appointment, with
    one snapshot for the whole course instead of one per session (the benchmark's p95 needs it).

    The location lock is taken first (or was, by the caller that passes `locked_ctx`, the snapshot it
    read after locking), so the snapshot is current for every booker that locks the location;
    each session is checked with the booking rules (check_candidate) and inserted in a savepoint
    where PostgreSQL's exclusion constraints turn a race into SlotConflict. Sessions of a course
    are on different days, so they cannot clash with each other.
    """
    location, appointment_type = course.location, course.appointment_type
    settings = scheduling_settings(course.organisation_id)
    needs = type_needs(appointment_type, settings)
    zone = location.zone
    ctx = locked_ctx
    if ctx is None:
        booking.lock_location(location)
        dates = [p.starts_at.astimezone(zone).date() for p in attempt.placements]
        ctx = load_slot_context(location, min(dates), max(dates), settings=settings)
    planned = PlannedSession.objects.in_bulk([p.planned_session_id for p in attempt.placements if p.planned_session_id])
    appointments = []
    for placement in attempt.placements:
        check = check_candidate(ctx, needs, placement.starts_at, chair_id=placement.chair_id)
        if not check.ok:
            error = refusal(check)
            when = placement.starts_at.astimezone(zone)
            message = (f"Session {placement.sequence} ({when:%a %d %b %H:%M}) cannot be booked: "
                       f"{' '.join(error.messages)} Nothing was booked; try again.")
            raise type(error)({"course": [message]})
        booking.check_patient_free(course.patient, check.starts_at, check.ends_at)
        appointment = Appointment(
            organisation_id=course.organisation_id, location=location, patient=course.patient,
            appointment_type=appointment_type, course=course, planned_session=planned.get(placement.planned_session_id),
            starts_at=check.starts_at, ends_at=check.ends_at, chair_id=check.chair_id,
            chair_free_at=check.chair_free_at, clinician_id=check.clinician_id, created_by=actor,
        )
        booking.save_in_savepoint(appointment, force_insert=True)
        record_event(actor, AuditAction.CREATE, appointment, patient=course.patient, detail={
            "type": appointment_type.name, "location_id": location.pk, "starts_at": check.starts_at.isoformat(),
            "ends_at": check.ends_at.isoformat(), "chair_id": check.chair_id, "clinician_id": check.clinician_id,
            "course_id": course.pk, "planned_session_id": placement.planned_session_id,
        })
        appointments.append(appointment)
    return appointments


# ---------------------------------------------------------------------------
# Moving one session, cancelling the rest


def access_course_by_id(user, course_id: int, *, for_update: bool = False) -> Course:
    require_permission(user, Permission.SCHEDULE_VIEW)
    courses = Course.objects.filter(organisation_id=user.organisation_id).select_related(
        "patient", "plan", "plan__template", "appointment_type", "location")
    if for_update:
        courses = courses.select_for_update(of=("self",))
    course = courses.filter(pk=course_id).first() if user.organisation_id else None
    if course is None:
        raise Http404("No such course")
    return course


def course_appointments(course: Course, *, live_only: bool = False) -> list[Appointment]:
    rows = course.appointments.select_related("chair", "planned_session", "location").order_by("starts_at", "id")
    return list(rows.filter(status__in=ACTIVE_STATUSES) if live_only else rows)


def access_course_detail(user, course_id: int) -> tuple[Course, list[Appointment]]:
    """A course and all its appointments (audited as a view of the patient's course)."""
    course = access_course_by_id(user, course_id)
    record_event(user, AuditAction.VIEW, course, patient=course.patient)
    return course, course_appointments(course)


def min_days_between(course: Course) -> int:
    return course.plan.template.min_days_between if course.plan_id else 1


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


def course_rule_problem(course: Course, appointments: list[Appointment], moving: Appointment,
                        new_date: dt.date) -> str:
    """Why moving one session to new_date would break its course (window or spacing), or ""."""
    zone = course.location.zone
    gap = min_days_between(course)
    if moving.planned_session_id:
        shift = dt.timedelta(days=_course_shift_days(course, appointments))
        session = moving.planned_session
        start, end = session.window_start + shift, session.window_end + shift
        if not start <= new_date <= end:
            return (f"Session {session.sequence} must be between {start:%a %d %b} and {end:%a %d %b} "
                    f"(its planned window); {new_date:%a %d %b} is outside it.")
    others = sorted((a for a in appointments if a.pk != moving.pk and a.is_active), key=lambda a: a.starts_at)
    before = [a for a in others if a.starts_at < moving.starts_at]
    after = [a for a in others if a.starts_at > moving.starts_at]
    if before:
        previous = before[-1].starts_at.astimezone(zone).date()
        if (new_date - previous).days < gap:
            return (f"The session before is on {previous:%a %d %b}; sessions of this course must be at least "
                    f"{gap} day(s) apart and keep their order.")
    if after:
        following = after[0].starts_at.astimezone(zone).date()
        if (following - new_date).days < gap:
            return (f"The session after is on {following:%a %d %b}; sessions of this course must be at least "
                    f"{gap} day(s) apart and keep their order.")
    return ""


@transaction.atomic
def do_move_course_session(actor, appointment_id: int, *, starts_at: dt.datetime, chair_id: int | None = None,
                           reason: str = "") -> Appointment:
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
    return booking.move_appointment(actor, appointment, starts_at=starts_at, chair=chair,
                                    reason=reason or f"Moved within course {course.pk}")


@transaction.atomic
def do_cancel_rest_of_course(actor, course_id: int, *, reason: str) -> list[Appointment]:
    """Cancel every booked session of the course that has not started yet, in one step."""
    require_permission(actor, Permission.SCHEDULE_BOOK)
    course = access_course_by_id(actor, course_id, for_update=True)
    if course.cancelled_at is not None:
        raise ValidationError({"course_id": "The rest of this course is already cancelled."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "A reason is required."})
    now = timezone.now()
    upcoming = list(course.appointments.select_for_update().filter(status=AppointmentStatus.BOOKED, starts_at__gt=now)
                    .select_related("patient", "location", "appointment_type").order_by("starts_at"))
    cancelled = [booking.cancel_appointment(actor, appointment, reason) for appointment in upcoming]
    course.cancelled_at, course.cancelled_reason = now, reason[:2000]
    course.save(update_fields=["cancelled_at", "cancelled_reason"])
    record_event(actor, AuditAction.STATUS_CHANGE, course, patient=course.patient, detail={
        "status": "cancelled", "reason": course.cancelled_reason, "appointments_cancelled": [a.pk for a in cancelled],
    })
    return cancelled


def courses_of_patient(user, patient_id: int) -> list[Course]:
    require_permission(user, Permission.SCHEDULE_VIEW)
    patient = access_patient_by_id(user, patient_id, audit=False)
    return list(Course.objects.filter(patient=patient).select_related("location", "appointment_type", "plan"))


# ---------------------------------------------------------------------------
# Waitlist


def _entries(user):
    require_permission(user, Permission.SCHEDULE_WAITLIST)
    return WaitlistEntry.objects.filter(organisation_id=user.organisation_id).select_related(
        "patient", "appointment_type", "course", "plan").prefetch_related("locations")


def list_waitlist(user, *, status: str | None = WaitlistEntry.Status.WAITING) -> list[WaitlistEntry]:
    entries = _entries(user)
    if status:
        entries = entries.filter(status=status)
    result = list(entries.order_by("created_at", "id"))
    record_event(user, AuditAction.LIST, object_type="scheduling.waitlistentry", detail={"count": len(result)})
    return result


def access_waitlist_entry(user, entry_id: int, *, for_update: bool = False) -> WaitlistEntry:
    entries = _entries(user)
    if for_update:
        entries = entries.select_for_update(of=("self",))
    entry = entries.filter(pk=entry_id).first()
    if entry is None:
        raise Http404("No such waitlist entry")
    return entry


def _whole_number(field_name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError({field_name: f"Enter a whole number from {low} to {high}."})
    return value


@transaction.atomic
def do_add_to_waitlist(actor, *, patient_id: int, appointment_type_id: int, location_ids: list[int],
                       earliest_date: dt.date, availability, sessions: int = 6, min_days_between: int = 1,
                       max_span_days: int = 21, latest_start_date: dt.date | None = None,
                       plan_id: int | None = None) -> WaitlistEntry:
    require_permission(actor, Permission.SCHEDULE_WAITLIST)
    try:
        patient = access_patient_by_id(actor, patient_id, audit=False)
    except Http404:
        raise ValidationError({"patient_id": "Not a patient of your clinic."}) from None
    try:
        appointment_type = access_appointment_type_by_id(actor, appointment_type_id)
    except Http404:
        raise ValidationError({"appointment_type_id": "Not an appointment type of your clinic."}) from None
    if not appointment_type.chair or not appointment_type.is_active:
        raise ValidationError({"appointment_type_id": "Choose an active appointment type that takes a chair."})
    plan = None
    if plan_id is not None:
        try:
            plan = access_plan_by_id(actor, plan_id, audit=False)
        except Http404:
            raise ValidationError({"plan_id": "Not a plan of this clinic."}) from None
        if plan.patient_id != patient.pk:
            raise ValidationError({"plan_id": "This plan belongs to another patient."})
    if not location_ids:
        raise ValidationError({"location_ids": "Choose at least one location."})
    locations = []
    for location_id in dict.fromkeys(location_ids):
        try:
            locations.append(access_location_by_id(actor, location_id))
        except Http404:
            raise ValidationError({"location_ids": f"Location {location_id} is not one of this clinic's locations."}) from None
    sessions = _whole_number("sessions", sessions, 1, 60)
    min_days_between = _whole_number("min_days_between", min_days_between, 0, 60)
    max_span_days = _whole_number("max_span_days", max_span_days, 0, 366)
    if not isinstance(earliest_date, dt.date):
        raise ValidationError({"earliest_date": "Enter a date."})
    if latest_start_date is not None and (not isinstance(latest_start_date, dt.date) or latest_start_date < earliest_date):
        raise ValidationError({"latest_start_date": "Must be a date on or after the earliest date."})
    if sessions > 1 and (sessions - 1) * max(1, min_days_between) > max_span_days:
        raise ValidationError({"max_span_days": f"{sessions} sessions {max(1, min_days_between)} day(s) apart need a span of at least {(sessions - 1) * max(1, min_days_between)} days."})
    entry = WaitlistEntry.objects.create(
        organisation_id=actor.organisation_id, patient=patient, plan=plan, appointment_type=appointment_type,
        sessions=sessions, min_days_between=min_days_between, max_span_days=max_span_days,
        earliest_date=earliest_date, latest_start_date=latest_start_date,
        availability=clean_availability(availability), created_by=actor,
    )
    entry.locations.set(locations)
    record_event(actor, AuditAction.CREATE, entry, patient=patient, detail={
        "appointment_type": appointment_type.name, "locations": [l.pk for l in locations], "sessions": sessions,
    })
    return entry


@transaction.atomic
def do_withdraw_from_waitlist(actor, entry_id: int, *, reason: str = "") -> WaitlistEntry:
    require_permission(actor, Permission.SCHEDULE_WAITLIST)
    entry = access_waitlist_entry(actor, entry_id, for_update=True)
    if entry.status != WaitlistEntry.Status.WAITING:
        raise ValidationError({"status": f"Only a waiting entry can be withdrawn; this one is {entry.get_status_display().lower()}."})
    entry.status = WaitlistEntry.Status.WITHDRAWN
    entry.save(update_fields=["status"])
    record_event(actor, AuditAction.STATUS_CHANGE, entry, patient=entry.patient,
                 detail={"status": entry.status, "reason": (reason or "").strip()[:2000]})
    return entry


@dataclass
class WaitlistRun:
    booked: list[WaitlistEntry] = field(default_factory=list)
    not_booked: list[WaitlistEntry] = field(default_factory=list)
    method: str = ""


def _entry_request(entry: WaitlistEntry, keys: set[str], first: dt.date) -> dict | None:
    locations = [location_key(l.pk) for l in entry.locations.all() if location_key(l.pk) in keys]
    if not locations:
        return None
    request = {
        "id": f"entry-{entry.pk}", "sessions": entry.sessions,
        "session_minutes": entry.appointment_type.chair_minutes,
        "min_days_between": entry.min_days_between, "max_span_days": entry.max_span_days,
        "earliest_date": max(entry.earliest_date, first).isoformat(), "locations": locations,
        "availability": entry.availability,
    }
    if entry.latest_start_date:
        request["latest_start_date"] = entry.latest_start_date.isoformat()
    return request


@transaction.atomic
def do_schedule_waitlist(actor, *, weeks: int = 4, start_date: dt.date | None = None) -> WaitlistRun:
    """Start as many waiting courses as fit in the coming weeks; booked appointments never move.

    One solve per time zone and appointment type (chairs differ by type), in that order; each
    books before the next is built, so later ones see its appointments as booked. Each course is
    inserted in a savepoint through the re-checking create: all its sessions or none.
    """
    require_permission(actor, Permission.SCHEDULE_WAITLIST)
    weeks = _whole_number("weeks", weeks, 1, MAX_WAITLIST_WEEKS)
    settings = scheduling_settings(actor.organisation_id)
    first = start_date or timezone.localdate() + dt.timedelta(days=1)
    if not isinstance(first, dt.date) or first <= timezone.localdate():
        raise ValidationError({"start_date": "Start from tomorrow or later."})
    last = first + dt.timedelta(days=7 * weeks - 1)
    waiting = list(_entries(actor).select_for_update(of=("self",)).filter(status=WaitlistEntry.Status.WAITING)
                   .order_by("created_at", "id"))
    run = WaitlistRun()
    pending = {entry.pk: entry for entry in waiting}
    reasons: dict[int, str] = {}
    by_type: dict[int, list[WaitlistEntry]] = defaultdict(list)
    for entry in waiting:
        by_type[entry.appointment_type_id].append(entry)
    locations = list(Location.objects.filter(organisation_id=actor.organisation_id, is_active=True).order_by("name"))
    for type_entries in by_type.values():
        appointment_type = type_entries[0].appointment_type
        needs = type_needs(appointment_type, settings)
        wanted = {l.pk for e in type_entries for l in e.locations.all()}
        for instance in build_instances(load_contexts([l for l in locations if l.pk in wanted], first, last, settings),
                                        needs, first, last, settings.slot_minutes):
            entries = [e for e in type_entries if e.pk in pending]
            requests = {}
            for entry in entries:
                request = _entry_request(entry, set(instance.locations), first)
                if request is not None:
                    requests[request["id"]] = (entry, request)
            if not requests:
                continue
            instance.data["requests"] = [request for _entry, request in requests.values()]
            result = _solve(instance.data, settings.solver_time_limit_seconds)
            run.method = result.method
            for request_id, reason in result.unscheduled:
                reasons[requests[request_id][0].pk] = _named(reason, instance)
            for scheduled in result.scheduled:
                entry = requests[scheduled.id][0]
                problem = _book_waitlist_entry(actor, entry, instance, scheduled)
                if problem:
                    reasons[entry.pk] = problem
                else:
                    reasons.pop(entry.pk, None)
                    pending.pop(entry.pk)
                    run.booked.append(entry)
    for entry_id, entry in pending.items():
        entry.last_unscheduled_reason = reasons.get(entry_id, "None of its locations can take this appointment type.")
        entry.save(update_fields=["last_unscheduled_reason"])
        run.not_booked.append(entry)
    record_event(actor, AuditAction.CREATE, object_type="scheduling.waitlistrun", detail={
        "from": first.isoformat(), "weeks": weeks, "booked": [e.pk for e in run.booked],
        "not_booked": [e.pk for e in run.not_booked], "method": run.method,
    })
    return run


def _book_waitlist_entry(actor, entry: WaitlistEntry, instance: ZoneInstance, scheduled) -> str:
    """Book one scheduled request as a course in a savepoint; the reason it failed, or ""."""
    location = instance.locations[scheduled.location]
    zone = location.zone
    planned = list(entry.plan.sessions.order_by("sequence")) if entry.plan_id else []
    if len(planned) != len(scheduled.sessions) or Appointment.objects.filter(
            planned_session__in=planned, status__in=ACTIVE_STATUSES).exists():
        planned = []  # the plan was booked meanwhile or differs: book the course without session links
    attempt = CourseAttempt(location, [
        Placement(number, session.start.replace(tzinfo=zone), int(session.chair.removeprefix("chair-")),
                  planned[number - 1].pk if planned else None)
        for number, session in enumerate(scheduled.sessions, start=1)
    ])
    try:
        with transaction.atomic():
            course = Course.objects.create(
                organisation_id=actor.organisation_id, patient=entry.patient, plan=entry.plan,
                appointment_type=entry.appointment_type, location=location, created_by=actor,
            )
            _book_placements(actor, course, attempt)
            entry.status, entry.course, entry.last_unscheduled_reason = WaitlistEntry.Status.BOOKED, course, ""
            entry.save(update_fields=["status", "course", "last_unscheduled_reason"])
            record_event(actor, AuditAction.CREATE, course, patient=entry.patient, detail={
                "waitlist_entry_id": entry.pk, "location_id": location.pk, "sessions": len(attempt.placements),
            })
    except ValidationError as error:
        return f"The series found at {location.name} failed the booking re-check: {' '.join(error.messages)}"
    return ""
