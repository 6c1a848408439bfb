"""The database as course-solver input: exchange-format instances and the patient's availability.

The adapter turns what the booking rules read (selectors.booking.load_slot_context: opening hours,
closed dates, capable chairs and their bookings, monitoring nurses' real hours with leave and
extra hours, the prescriber-on-site rule) into the exchange format of
../shared/scheduling-instance.md, one instance per time zone (the format has one zone). The
format's weekly hours cannot say "this Tuesday only": each weekday gets the hours that hold on
*every* date of that weekday in the range (leave on one Tuesday shortens every Tuesday), which
is exact for a range of at most 7 days and never too generous for longer ones. Every placement
the solver returns is then re-checked by the booking rules before it is written (proposals.py,
actions/courses.py, actions/waitlist.py).
"""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from ketacare.clinics.models import Location
from ketacare.scheduling.domain.availability import (
    MONITOR_SKILL,
    PRESCRIBER_ROLE,
    SlotContext,
    merge,
)
from ketacare.scheduling.domain.instance import parse_instance
from ketacare.scheduling.domain.result import SolveResult
from ketacare.scheduling.models import AppointmentType
from ketacare.scheduling.selectors.booking import load_slot_context, type_needs
from ketacare.scheduling.selectors.resources import scheduling_settings

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ANY_TIME = [{"days": list(WEEKDAY_KEYS), "from": "00:00", "to": "24:00"}]


# ---------------------------------------------------------------------------
# Database -> exchange-format instance


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


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"  # an end at midnight is "24:00" in the format


def local_day_intervals(spans, day: dt.date, zone) -> list[tuple[int, int]]:
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
                covered = _intersect(intervals, local_day_intervals(prescriber_spans, day, zone))
                intervals = [max(covered, key=lambda i: i[1] - i[0])] if covered else []
            per_date.append(intervals)
        common = _every(per_date)
        if common:
            hours[name] = [format_hhmm(common[0][0]), format_hhmm(common[0][1])]
        for person in nurses:
            # A nurse with two stretches on one day becomes two capacity units ("n7-0", "n7-1").
            stretches = _every([local_day_intervals(person.on_site, day, zone) for day in same_day])
            for index, (start, end) in enumerate(stretches):
                nurse_shifts[f"n{person.id}-{index}"][name] = [format_hhmm(start), format_hhmm(end)]
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
                items.append(
                    {
                        "location": key,
                        "chair": chair_key(chair.id),
                        "start": start.astimezone(zone).replace(tzinfo=None).isoformat(timespec="minutes"),
                        "minutes": max(1, int((end - start).total_seconds() // 60)),
                    }
                )
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
            "timezone": zone_name,
            "start_date": first.isoformat(),
            "days": len(dates),
            "slot_minutes": slot_minutes,
            "locations": [],
            "booked": [],
            "requests": [],
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
    return {
        location.pk: (location, load_slot_context(location, first, last, settings=settings)) for location in locations
    }


def build_instances_from_db(
    appointment_type: AppointmentType, locations, first: dt.date, last: dt.date
) -> list[ZoneInstance]:
    """The database as instances (no requests): for `ketacare schedule` exports and the tests."""
    settings = scheduling_settings(appointment_type.organisation_id)
    needs = type_needs(appointment_type, settings)
    return build_instances(load_contexts(locations, first, last, settings), needs, first, last, settings.slot_minutes)


def with_location_names(reason: str, instance: ZoneInstance) -> str:
    """A solver reason with the instance's ids ("loc-3") replaced by location names."""
    return re.sub(
        r"\bloc-\d+\b", lambda m: instance.locations[m[0]].name if m[0] in instance.locations else m[0], reason
    )


def solve_data(data: dict, time_limit_seconds: float) -> SolveResult:
    from ketacare.scheduling.domain.solver import solve  # OR-Tools loads with the first solve, not in every worker

    return solve(parse_instance(data), time_limit_seconds)


# ---------------------------------------------------------------------------
# Patient availability (the exchange format's shape)


def parse_hhmm(text, *, end: bool) -> int | None:
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isdecimal():
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
        start, end = parse_hhmm(window["from"], end=False), parse_hhmm(window["to"], end=True)
        if start is None or end is None:
            raise ValidationError({"availability": f"Window {number}: from and to must be times like 08:30."})
        if end <= start:
            raise ValidationError({"availability": f"Window {number}: 'to' must be after 'from'."})
        cleaned.append({"days": sorted(set(days), key=WEEKDAY_KEYS.index), "from": window["from"], "to": window["to"]})
    return cleaned
