"""Proposing a course: where and when every session of a plan would go, or why not and the nearest alternatives.

No writes: the preview (selectors/courses.py) shows a proposal, booking (actions/courses.py)
writes the one that fits after locking its locations.

A course is booked session by session, each in the earliest date of its planned window that
leaves room for the spacing rule (earliest-first keeps the later windows reachable; sessions of
one course are on different days, so they never compete for a chair or a nurse). The exchange
format has no per-session windows, so each step is a one-session request over at most 7 days
through the domain core's solve(), which answers a single request with its exact earliest
series; the waitlist batch (actions/waitlist.py), where requests compete, is where solve() runs CP-SAT.
"""

import datetime as dt
from dataclasses import dataclass, field, replace

from ketacare.clinics.models import Location
from ketacare.scheduling.domain.availability import SlotContext, Span, check_candidate
from ketacare.scheduling.models import AppointmentType
from ketacare.scheduling.selectors.booking import load_slot_context, type_needs
from ketacare.scheduling.selectors.resources import scheduling_settings
from ketacare.scheduling.solver_input import (
    ANY_TIME,
    WEEKDAY_KEYS,
    build_instances,
    format_hhmm,
    load_contexts,
    local_day_intervals,
    parse_hhmm,
    solve_data,
    with_location_names,
)

# Exact weekly encoding needs each weekday at most once in an instance.
EXACT_DAYS = 7
# A one-session step is a small model; the waitlist batch uses the clinic's setting.
STEP_TIME_LIMIT_SECONDS = 2.0
# When the re-check refuses what the solver placed, that date is closed and the step re-solved.
MAX_RECHECKS_PER_STEP = 3
LATER_START_DAYS = (7, 14, 21, 28)
# Other locations tried for an alternative when the chosen ones are full.
MAX_OTHER_LOCATIONS = 5


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
        return replace(
            self,
            windows=[
                SessionWindow(
                    w.sequence,
                    w.earliest + dt.timedelta(days=days),
                    w.latest + dt.timedelta(days=days),
                    w.planned_session_id,
                )
                for w in self.windows
            ],
        )

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
        intervals = [
            (parse_hhmm(w["from"], end=False), parse_hhmm(w["to"], end=True))
            for w in request.availability
            if name in w["days"]
        ]
        for start, end in _subtract(intervals, local_day_intervals(request.patient_busy, day, zone)):
            windows.append({"days": [name], "from": format_hhmm(start), "to": format_hhmm(end)})
        day += dt.timedelta(days=1)
    return windows


def _step(
    location: Location,
    ctx: SlotContext,
    needs,
    request: CourseRequest,
    first: dt.date,
    last: dt.date,
    slot_minutes: int,
) -> tuple[Placement | None, str]:
    """The earliest single session at `location` on a date in [first, last] (at most 7 days), re-checked."""
    if not any(c.supports(needs.chair) for c in ctx.chairs):
        return None, f"no active chair there supports {needs.chair or 'a chair'}"
    closed: set[dt.date] = set()
    for _attempt in range(MAX_RECHECKS_PER_STEP):
        instance = build_instances({location.pk: (location, ctx)}, needs, first, last, slot_minutes)[0]
        entry = instance.data["locations"][0]
        entry["closed_dates"] = sorted({*entry["closed_dates"], *(d.isoformat() for d in closed)})
        instance.data["requests"] = [
            {
                "id": "session",
                "sessions": 1,
                "session_minutes": needs.patient_minutes + needs.turnover_minutes,
                "min_days_between": request.min_days_between,
                "max_span_days": 0,
                "earliest_date": first.isoformat(),
                "latest_start_date": last.isoformat(),
                "locations": [entry["id"]],
                "availability": _step_availability(request, first, last, ctx.zone),
            }
        ]
        result = solve_data(instance.data, STEP_TIME_LIMIT_SECONDS)
        if not result.scheduled:
            return None, with_location_names(result.unscheduled[0][1] if result.unscheduled else "no slot", instance)
        session = result.scheduled[0].sessions[0]
        starts_at = session.start.replace(tzinfo=ctx.zone)
        chair_id = int(session.chair.removeprefix("chair-"))
        check = check_candidate(ctx, needs, starts_at, chair_id=chair_id)
        visit = Span(check.starts_at, check.ends_at)
        if check.ok and not any(visit.overlaps(busy) for busy in request.patient_busy):
            return Placement(0, starts_at, chair_id), ""
        closed.add(session.start.date())
    return None, "the booking rules refuse what fits on paper (monitoring or staffing on those dates)"


def attempt_course(
    location: Location, ctx: SlotContext, needs, request: CourseRequest, slot_minutes: int
) -> CourseAttempt:
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
                reason = (
                    f"its window {window.earliest:%a %d %b}–{window.latest:%a %d %b} leaves no date "
                    f"{request.min_days_between} day(s) after the session before"
                    if previous
                    else f"its window {window.earliest:%a %d %b}–{window.latest:%a %d %b} is already past"
                )
            attempt.reason = f"session {window.sequence} ({window.earliest:%d %b}–{window.latest:%d %b}) at {location.name}: {reason}"
            return attempt
        attempt.placements.append(
            Placement(window.sequence, placement.starts_at, placement.chair_id, window.planned_session_id)
        )
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
            proposal.alternatives.append(
                Alternative(
                    "other_times", f"{location.name} at other times (any opening hours)", location.pk, 0, True, found
                )
            )
            break
    chosen = {loc.pk for loc in locations}
    for location in _nearest(locations[0], [c for c in alternatives_from if c.pk not in chosen]):
        ctx = load_slot_context(location, first, last, settings=settings)
        found = attempt(location, ctx, request)
        if found.fits:
            proposal.alternatives.append(
                Alternative("location", f"{location.name} instead", location.pk, 0, False, found)
            )
            break
    later_contexts = load_contexts(locations, first, last + dt.timedelta(days=max(LATER_START_DAYS)), settings)
    for days in LATER_START_DAYS:
        later = request.shifted(days)
        found = _best([attempt(loc, later_contexts[loc.pk][1], later) for loc in locations])
        if found is not None:
            proposal.alternatives.append(
                Alternative(
                    "later_start",
                    f"{found.location.name}, starting {days} days later",
                    found.location.pk,
                    days,
                    False,
                    found,
                )
            )
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
