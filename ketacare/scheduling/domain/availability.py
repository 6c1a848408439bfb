"""Whether one candidate appointment fits: pure rules over a snapshot of one location.

Every rule is checked in the location's own time zone (opening hours, shifts and closed dates
are local), on aware datetimes. The caller builds a SlotContext (selectors.load_slot_context)
and gets back every problem at once, each naming the field to change; `conflict` marks the
problems caused by other bookings (a busy chair or clinician, a full monitoring ratio).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

UTC = dt.UTC
MONITOR_SKILL = "monitor"
PRESCRIBER_ROLE = "prescriber"
WEEKDAY_NAMES = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
CHAIR_NEEDS = {
    "any": "any chair",
    "iv": "an infusion pump",
    "esketamine": "esketamine observation",
}


@dataclass(frozen=True)
class Span:
    """A half-open interval [start, end) of aware datetimes."""

    start: dt.datetime
    end: dt.datetime

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class ChairInfo:
    id: int
    name: str
    supports_iv: bool
    supports_esketamine: bool
    busy: tuple[Span, ...] = ()  # [start, chair_free_at) of live appointments

    def supports(self, need: str) -> bool:
        return {"any": True, "iv": self.supports_iv, "esketamine": self.supports_esketamine}.get(need, False)


@dataclass(frozen=True)
class StaffInfo:
    id: int
    name: str
    role: str
    skills: frozenset[str]
    on_site: tuple[Span, ...] = ()  # working hours at this location, leave removed
    busy: tuple[Span, ...] = ()  # appointments booking them as clinician, at any location
    monitoring: tuple[Span, ...] = ()  # appointments they are the monitoring nurse of, at any location


@dataclass(frozen=True)
class Needs:
    """What an appointment type needs (models.AppointmentType, with the clinic's policy applied)."""

    patient_minutes: int
    turnover_minutes: int = 0
    chair: str = ""  # "", "any", "iv", "esketamine"
    needs_monitoring: bool = False
    needs_prescriber_on_site: bool = False
    clinician_skill: str = ""
    name: str = "This appointment"


@dataclass(frozen=True)
class SlotContext:
    location_name: str
    zone: ZoneInfo
    opening: dict[int, tuple[dt.time, dt.time]]  # weekday (Monday 0) -> opens, closes
    closed_dates: frozenset[dt.date]
    chairs: tuple[ChairInfo, ...]
    staff: tuple[StaffInfo, ...]
    monitored: tuple[Span, ...]  # live appointments at the location that need monitoring
    chairs_per_nurse: int
    slot_minutes: int = 15


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    conflict: bool = False


@dataclass
class SlotCheck:
    starts_at: dt.datetime
    ends_at: dt.datetime
    chair_free_at: dt.datetime | None
    chair_id: int | None = None
    clinician_id: int | None = None
    monitoring_nurse_id: int | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def conflict(self) -> bool:
        return any(p.conflict for p in self.problems)


# ---------------------------------------------------------------------------
# Building spans from weekly hours


def local_span(day: dt.date, opens: dt.time, closes: dt.time, zone: ZoneInfo) -> Span:
    start = dt.datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
    end = dt.datetime.combine(day, closes, tzinfo=zone).astimezone(UTC)
    return Span(start, end)


def merge(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Sorted union; touching spans join (a shift ending at 12:00 and one from 12:00 cover noon)."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start <= merged[-1].end:
            if span.end > merged[-1].end:
                merged[-1] = Span(merged[-1].start, span.end)
        else:
            merged.append(span)
    return tuple(merged)


def subtract(spans: Iterable[Span], removed: Iterable[Span]) -> tuple[Span, ...]:
    result = list(merge(spans))
    for cut in removed:
        pieces = []
        for span in result:
            if not span.overlaps(cut):
                pieces.append(span)
                continue
            if span.start < cut.start:
                pieces.append(Span(span.start, cut.start))
            if cut.end < span.end:
                pieces.append(Span(cut.end, span.end))
        result = pieces
    return tuple(result)


def staff_on_site(
    zone: ZoneInfo,
    weekly: dict[int, list[tuple[dt.time, dt.time]]],
    extra: list[Span],
    away: list[Span],
    day_from: dt.date,
    day_to: dt.date,
) -> tuple[Span, ...]:
    """Working time at one location over [day_from, day_to]: weekly shifts plus extra hours,
    minus leave (time away wins over shifts)."""
    spans = list(extra)
    day = day_from
    while day <= day_to:
        spans.extend(local_span(day, start, end, zone) for start, end in weekly.get(day.weekday(), ()))
        day += dt.timedelta(days=1)
    return subtract(spans, away)


def covers(spans: Iterable[Span], wanted: Span) -> bool:
    return any(s.start <= wanted.start and wanted.end <= s.end for s in merge(spans))


# ---------------------------------------------------------------------------
# The check


def _hm(moment: dt.datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


def _when(span: Span, zone: ZoneInfo) -> str:
    return f"{span.start.astimezone(zone):%a %d %b %Y} {_hm(span.start, zone)}–{_hm(span.end, zone)}"


def check_candidate(
    ctx: SlotContext,
    needs: Needs,
    starts_at: dt.datetime,
    *,
    chair_id: int | None = None,
    clinician_id: int | None = None,
    monitoring_nurse_id: int | None = None,
) -> SlotCheck:
    """Every rule for one appointment starting at `starts_at` (aware); picks a chair, a clinician
    and a monitoring nurse when none is given and one is needed (a nurse only when one is free)."""
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be timezone-aware")
    zone = ctx.zone
    start = starts_at.astimezone(UTC)
    end = start + dt.timedelta(minutes=needs.patient_minutes)
    chair_free = end + dt.timedelta(minutes=needs.turnover_minutes) if needs.chair else None
    check = SlotCheck(starts_at=start, ends_at=end, chair_free_at=chair_free)
    problems = check.problems
    visit = Span(start, end)
    local = start.astimezone(zone)

    minute_of_day = local.hour * 60 + local.minute
    if local.second or local.microsecond or minute_of_day % max(ctx.slot_minutes, 1):
        problems.append(
            Problem(
                "starts_at", f"Start on a {ctx.slot_minutes}-minute boundary (e.g. 09:00, 09:{ctx.slot_minutes:02d})."
            )
        )
    if local.date() in ctx.closed_dates:
        problems.append(Problem("starts_at", f"{ctx.location_name} is closed on {local:%a %d %b %Y}."))
    else:
        hours = ctx.opening.get(local.weekday())
        if hours is None:
            problems.append(Problem("starts_at", f"{ctx.location_name} is closed on {WEEKDAY_NAMES[local.weekday()]}."))
        elif not covers([local_span(local.date(), hours[0], hours[1], zone)], visit):
            problems.append(
                Problem(
                    "starts_at",
                    f"{needs.name} ({_hm(start, zone)}–{_hm(end, zone)}) must lie within {ctx.location_name}'s "
                    f"opening hours that day, {hours[0]:%H:%M}–{hours[1]:%H:%M}.",
                )
            )

    _check_chair(ctx, needs, check, chair_id)
    _check_clinician(ctx, needs, check, clinician_id, visit)
    if needs.needs_monitoring:
        _check_monitoring(ctx, visit, problems)
        _check_monitoring_nurse(ctx, check, monitoring_nurse_id, visit)
    elif monitoring_nurse_id is not None:
        problems.append(Problem("monitoring_nurse", f"{needs.name} needs no monitoring; leave the nurse blank."))
    if needs.needs_prescriber_on_site:
        prescribers = [span for s in ctx.staff if s.role == PRESCRIBER_ROLE for span in s.on_site]
        if not covers(prescribers, visit):
            problems.append(
                Problem(
                    "prescriber",
                    f"{needs.name} needs a prescriber on site for the whole visit, and no prescriber is on shift at "
                    f"{ctx.location_name} for all of {_when(visit, zone)}.",
                )
            )
    return check


def _check_chair(ctx: SlotContext, needs: Needs, check: SlotCheck, chair_id: int | None) -> None:
    zone, problems = ctx.zone, check.problems
    # check_candidate sets chair_free_at exactly when the appointment takes a chair.
    if not needs.chair or check.chair_free_at is None:
        if chair_id is not None:
            problems.append(Problem("chair", f"{needs.name} takes no chair; leave the chair blank."))
        return
    held = Span(check.starts_at, check.chair_free_at)
    need_text = CHAIR_NEEDS.get(needs.chair, needs.chair)
    if chair_id is not None:
        chair = next((c for c in ctx.chairs if c.id == chair_id), None)
        if chair is None:
            problems.append(Problem("chair", f"That chair is not an active chair at {ctx.location_name}."))
        elif not chair.supports(needs.chair):
            problems.append(Problem("chair", f"{chair.name} does not support {need_text}, which {needs.name} needs."))
        else:
            clash = next((b for b in chair.busy if b.overlaps(held)), None)
            if clash is not None:
                problems.append(
                    Problem(
                        "chair",
                        f"{chair.name} is already booked {_when(clash, zone)} (including turnover); "
                        f"this visit would hold it {_when(held, zone)}.",
                        conflict=True,
                    )
                )
            else:
                check.chair_id = chair.id
        return
    capable = [c for c in ctx.chairs if c.supports(needs.chair)]
    if not capable:
        problems.append(Problem("chair", f"No active chair at {ctx.location_name} supports {need_text}."))
        return
    free = next((c for c in capable if not any(b.overlaps(held) for b in c.busy)), None)
    if free is None:
        problems.append(
            Problem(
                "chair",
                f"Every chair at {ctx.location_name} with {need_text} is booked during {_when(held, zone)} (including turnover).",
                conflict=True,
            )
        )
    else:
        check.chair_id = free.id


def _check_clinician(ctx: SlotContext, needs: Needs, check: SlotCheck, clinician_id: int | None, visit: Span) -> None:
    zone, problems = ctx.zone, check.problems
    if not needs.clinician_skill:
        if clinician_id is not None:
            problems.append(Problem("clinician", f"{needs.name} books no clinician; leave the clinician blank."))
        return
    if clinician_id is not None:
        person = next((s for s in ctx.staff if s.id == clinician_id), None)
        if person is None:
            problems.append(Problem("clinician", "That person is not active staff of this clinic."))
        elif needs.clinician_skill not in person.skills:
            problems.append(
                Problem(
                    "clinician",
                    f"{person.name} does not have the skill “{needs.clinician_skill}” that {needs.name} needs.",
                )
            )
        elif not covers(person.on_site, visit):
            problems.append(
                Problem(
                    "clinician",
                    f"{person.name} is not on shift at {ctx.location_name} for all of {_when(visit, zone)}.",
                )
            )
        else:
            clash = next((b for b in person.busy if b.overlaps(visit)), None)
            if clash is not None:
                problems.append(
                    Problem(
                        "clinician", f"{person.name} already has an appointment {_when(clash, zone)}.", conflict=True
                    )
                )
            else:
                check.clinician_id = person.id
        return
    skilled = [s for s in ctx.staff if needs.clinician_skill in s.skills and covers(s.on_site, visit)]
    free = next((s for s in skilled if not any(b.overlaps(visit) for b in s.busy)), None)
    if free is not None:
        check.clinician_id = free.id
    elif skilled:
        problems.append(
            Problem(
                "clinician",
                f"Every clinician on shift who can do {needs.name} is booked during {_when(visit, zone)}.",
                conflict=True,
            )
        )
    else:
        problems.append(
            Problem(
                "clinician",
                f"Nobody with the skill “{needs.clinician_skill}” is on shift at {ctx.location_name} for all of {_when(visit, zone)}.",
            )
        )


def _most_at_once(spans: Iterable[Span], visit: Span) -> int:
    """The most of `spans` in progress at one moment of `visit`."""
    overlapping = [s for s in spans if s.overlaps(visit)]
    moments = {visit.start, *(s.start for s in overlapping if visit.start < s.start < visit.end)}
    return max((sum(1 for s in overlapping if s.contains(m)) for m in moments), default=0)


def _nurse_problem(ctx: SlotContext, person: StaffInfo, visit: Span) -> Problem | None:
    """Why `person` cannot monitor `visit`, or None: the skill, on shift here for the whole visit,
    not booked as a clinician then, and fewer than chairs_per_nurse visits already in their care."""
    zone = ctx.zone
    if MONITOR_SKILL not in person.skills:
        return Problem("monitoring_nurse", f"{person.name} does not have the skill to monitor sessions.")
    if not covers(person.on_site, visit):
        return Problem(
            "monitoring_nurse", f"{person.name} is not on shift at {ctx.location_name} for all of {_when(visit, zone)}."
        )
    clash = next((b for b in person.busy if b.overlaps(visit)), None)
    if clash is not None:
        return Problem(
            "monitoring_nurse", f"{person.name} already has an appointment {_when(clash, zone)}.", conflict=True
        )
    if _most_at_once(person.monitoring, visit) >= ctx.chairs_per_nurse:
        return Problem(
            "monitoring_nurse",
            f"{person.name} already monitors {ctx.chairs_per_nurse} visit(s) during {_when(visit, zone)}, "
            f"the most one nurse may watch at once.",
            conflict=True,
        )
    return None


def _check_monitoring_nurse(ctx: SlotContext, check: SlotCheck, nurse_id: int | None, visit: Span) -> None:
    """The chosen nurse must be able to take the visit; without one, the first nurse who can is assigned
    (none free is no refusal: the ratio check above already guards the clinic's capacity)."""
    if nurse_id is not None:
        person = next((s for s in ctx.staff if s.id == nurse_id), None)
        if person is None:
            check.problems.append(Problem("monitoring_nurse", "That person is not active staff of this clinic."))
            return
        problem = _nurse_problem(ctx, person, visit)
        if problem is not None:
            check.problems.append(problem)
        else:
            check.monitoring_nurse_id = person.id
        return
    free = next((s for s in ctx.staff if _nurse_problem(ctx, s, visit) is None), None)
    check.monitoring_nurse_id = free.id if free is not None else None


def earliest_fits(
    ctx: SlotContext,
    needs: Needs,
    not_before: dt.datetime,
    day_to: dt.date,
    count: int,
    patient_busy: Iterable[Span] = (),
) -> list[SlotCheck]:
    """The first `count` starts on the slot grid from `not_before` to the end of `day_to` (local) that
    pass every rule of check_candidate and leave the patient free; `ctx` must cover those days."""
    zone, slot_minutes = ctx.zone, max(ctx.slot_minutes, 1)
    step = dt.timedelta(minutes=slot_minutes)
    busy = tuple(patient_busy)
    found: list[SlotCheck] = []
    day = not_before.astimezone(zone).date()
    while day <= day_to and len(found) < count:
        hours = ctx.opening.get(day.weekday())
        if hours is not None and day not in ctx.closed_dates:
            opening = local_span(day, hours[0], hours[1], zone)
            # The first start on the grid (opening at 08:10 with 15-minute slots: 08:15).
            opens_minute = hours[0].hour * 60 + hours[0].minute
            moment = opening.start + dt.timedelta(minutes=-opens_minute % slot_minutes)
            while moment + dt.timedelta(minutes=needs.patient_minutes) <= opening.end and len(found) < count:
                if moment >= not_before:
                    check = check_candidate(ctx, needs, moment)
                    visit = Span(check.starts_at, check.ends_at)
                    if check.ok and not any(visit.overlaps(b) for b in busy):
                        found.append(check)
                moment += step
        day += dt.timedelta(days=1)
    return found


def _check_monitoring(ctx: SlotContext, visit: Span, problems: list[Problem]) -> None:
    """At every moment of the visit, monitored visits in progress (this one included) must not
    exceed chairs_per_nurse × monitoring nurses on shift there."""
    zone = ctx.zone
    nurse_spans = [merge(s.on_site) for s in ctx.staff if MONITOR_SKILL in s.skills]
    others = [m for m in ctx.monitored if m.overlaps(visit)]
    points = {visit.start}
    for span in [*others, *(s for spans in nurse_spans for s in spans)]:
        for moment in (span.start, span.end):
            if visit.start < moment < visit.end:
                points.add(moment)
    for moment in sorted(points):
        nurses = sum(1 for spans in nurse_spans if any(s.contains(moment) for s in spans))
        in_progress = 1 + sum(1 for m in others if m.contains(moment))
        if nurses == 0:
            problems.append(
                Problem(
                    "monitoring",
                    f"No nurse who monitors sessions is on shift at {ctx.location_name} at {_hm(moment, zone)} "
                    f"({moment.astimezone(zone):%a %d %b %Y}); the visit needs monitoring throughout.",
                )
            )
            return
        capacity = ctx.chairs_per_nurse * nurses
        if in_progress > capacity:
            problems.append(
                Problem(
                    "monitoring",
                    f"At {_hm(moment, zone)} ({moment.astimezone(zone):%a %d %b %Y}) {in_progress - 1} monitored visits are "
                    f"already in progress at {ctx.location_name}: {nurses} nurse(s) on shift × {ctx.chairs_per_nurse} "
                    f"chairs per nurse allow {capacity}.",
                    conflict=True,
                )
            )
            return
