"""What is still open at a location, day by day: the start times at which a session of a given length finds
a free chair and monitoring capacity, intersected with opening hours and a request's availability.

Start times are kept as closed integer ranges `(low, high)` of horizon minutes, so a whole day is a
handful of ranges rather than hundreds of slots. The solver, first fit and the reasons all read the
instance through this module; check.py deliberately does not (it is the independent second opinion).
"""

import itertools
from collections import defaultdict

from ketacare.scheduling.domain.instance import MINUTES_PER_DAY as DAY
from ketacare.scheduling.domain.instance import Instance, Location, Request, Window

Ranges = list[tuple[int, int]]


def merge(ranges: Ranges) -> Ranges:
    """The union of closed integer ranges, sorted and disjoint (touching ranges joined)."""
    merged: Ranges = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            if high > merged[-1][1]:
                merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged


def intersect(first: Ranges, second: Ranges) -> Ranges:
    """The intersection of two sorted, disjoint range lists."""
    result: Ranges = []
    i = j = 0
    while i < len(first) and j < len(second):
        low, high = max(first[i][0], second[j][0]), min(first[i][1], second[j][1])
        if low <= high:
            result.append((low, high))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return result


def grid_starts(ranges: Ranges, day: int, slot_minutes: int) -> list[int]:
    """Every start in `ranges` (all on `day`) that is a multiple of slot_minutes from that day's midnight."""
    midnight = day * DAY
    starts: list[int] = []
    for low, high in ranges:
        first = midnight + -(-(low - midnight) // slot_minutes) * slot_minutes
        starts.extend(range(first, high + 1, slot_minutes))
    return starts


def first_grid_start(ranges: Ranges, day: int, slot_minutes: int) -> int | None:
    midnight = day * DAY
    for low, high in ranges:
        first = midnight + -(-(low - midnight) // slot_minutes) * slot_minutes
        if first <= high:
            return first
    return None


def session_windows(
    instance: Instance, location: Location, request: Request, day: int, *, use_availability: bool = True
) -> Ranges:
    """Start ranges on `day` that keep the session inside the location's hours and one availability window."""
    if not 0 <= day < instance.days or instance.date_of(day) in location.closed_dates:
        return []
    weekday = instance.weekday_of(day)
    hours = location.hours[weekday]
    if hours is None:
        return []
    windows: list[Window] = [hours]
    if use_availability and request.availability is not None:
        windows = [
            Window(max(hours.start_minute, a.window.start_minute), min(hours.end_minute, a.window.end_minute))
            for a in request.availability
            if weekday in a.weekdays
        ]
    midnight = day * DAY
    return merge(
        [
            (midnight + w.start_minute, midnight + w.end_minute - request.session_minutes)
            for w in windows
            if w.end_minute - w.start_minute >= request.session_minutes
        ]
    )


class LocationTimeline:
    """Chairs and nurse capacity taken at one location (booked items and placed sessions).

    `chairs=False` or `nurses=False` ignore that resource: the reasons use them to tell which one is full.
    """

    def __init__(self, instance: Instance, location: Location, *, chairs: bool = True, nurses: bool = True) -> None:
        self.instance = instance
        self.location = location
        self.check_chairs = chairs
        self.check_nurses = nurses
        self._busy: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
        self._load: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self._open: dict[int, dict[int, Ranges]] = {}  # day -> session minutes -> open start ranges

    def add(self, chair: str, start: int, end: int) -> None:
        for day in range(start // DAY, (end - 1) // DAY + 1):
            self._busy[chair, day].append((start, end))
            self._load[day].append((start, end))
            self._open.pop(day, None)

    def remove(self, chair: str, start: int, end: int) -> None:
        for day in range(start // DAY, (end - 1) // DAY + 1):
            self._busy[chair, day].remove((start, end))
            self._load[day].remove((start, end))
            self._open.pop(day, None)

    def chair_for(self, start: int, minutes: int) -> str:
        """The first chair (in the location's order) free for [start, start + minutes); `start` comes from
        `open_starts`, which only offers starts with a free chair."""
        end = start + minutes
        for chair in self.location.chairs:
            if not self.check_chairs or all(
                e <= start or s >= end for s, e in self._busy.get((chair, start // DAY), ())
            ):
                return chair
        raise ValueError(f"no chair free at {self.location.id} from minute {start} for {minutes} minutes")

    def open_starts(self, day: int, minutes: int) -> Ranges:
        """Starts on `day` at which a session of `minutes` finds a free chair and a free monitoring place."""
        by_length = self._open.setdefault(day, {})
        if minutes not in by_length:
            by_length[minutes] = intersect(self._chair_starts(day, minutes), self._nurse_starts(day, minutes))
        return by_length[minutes]

    def _chair_starts(self, day: int, minutes: int) -> Ranges:
        midnight = day * DAY
        if not self.check_chairs:
            return [(midnight, midnight + DAY - minutes)]
        ranges: Ranges = []
        for chair in self.location.chairs:
            cursor = midnight
            for start, end in sorted(self._busy.get((chair, day), ())):
                if start - cursor >= minutes:
                    ranges.append((cursor, start - minutes))
                cursor = max(cursor, end)
            if midnight + DAY - cursor >= minutes:
                ranges.append((cursor, midnight + DAY - minutes))
        return merge(ranges)

    def residual_segments(self, day: int) -> list[tuple[int, int, int]]:
        """[(start, end, places)] covering the day: monitoring places left (chairs per nurse × nurses on
        shift, less the items in progress), never below zero."""
        midnight = day * DAY
        weekday = self.instance.weekday_of(day)
        shifts = [shift for nurse in self.location.nurses if (shift := nurse.shifts[weekday]) is not None]
        items = [(max(s, midnight), min(e, midnight + DAY)) for s, e in self._load.get(day, ())]
        points = {midnight, midnight + DAY}
        points.update(midnight + w.start_minute for w in shifts)
        points.update(midnight + w.end_minute for w in shifts)
        for s, e in items:
            points.update((s, e))
        ordered = sorted(points)
        segments = []
        for point, following in itertools.pairwise(ordered):
            minute = point - midnight
            nurses_on = sum(1 for w in shifts if w.start_minute <= minute < w.end_minute)
            in_progress = sum(1 for s, e in items if s <= point < e)
            segments.append((point, following, max(0, nurses_on * self.location.chairs_per_nurse - in_progress)))
        return segments

    def _nurse_starts(self, day: int, minutes: int) -> Ranges:
        midnight = day * DAY
        if not self.check_nurses:
            return [(midnight, midnight + DAY - minutes)]
        ranges: Ranges = []
        run_start = None
        for start, _end, places in self.residual_segments(day) + [(midnight + DAY, midnight + DAY, 0)]:
            if places >= 1:
                run_start = start if run_start is None else run_start
            elif run_start is not None:
                if start - run_start >= minutes:
                    ranges.append((run_start, start - minutes))
                run_start = None
        return ranges

    def booked_blocks(self, chair: str) -> list[tuple[int, int]]:
        """The chair's taken time within the horizon, overlapping items joined."""
        blocks: list[tuple[int, int]] = []
        items = sorted({item for (c, _), items in self._busy.items() if c == chair for item in items})
        for start, end in items:
            start, end = max(start, 0), min(end, self.instance.days * DAY)
            if start >= end:
                continue
            if blocks and start <= blocks[-1][1]:
                blocks[-1] = (blocks[-1][0], max(blocks[-1][1], end))
            else:
                blocks.append((start, end))
        return blocks


def build_timelines(
    instance: Instance, *, booked: bool = True, chairs: bool = True, nurses: bool = True
) -> dict[str, LocationTimeline]:
    """A timeline for each location some request may use, holding the booked items on the days some
    request's sessions may fall (the rest cannot matter)."""
    used = {location_id for request in instance.requests for location_id in request.locations}
    timelines = {
        location.id: LocationTimeline(instance, location, chairs=chairs, nurses=nurses)
        for location in instance.locations
        if location.id in used
    }
    if booked and instance.requests:
        ranges = [instance.session_days(request) for request in instance.requests]
        window_start = min(low for low, _ in ranges) * DAY
        window_end = (max(high for _, high in ranges) + 1) * DAY
        # The bulk of the in-app booking's time: straight into the per-day lists (no cache to clear yet).
        for item in instance.booked:
            timeline = timelines.get(item.location)
            if timeline is not None:
                start = instance.minute_of(item.start)
                end = start + item.minutes
                if end > window_start and start < window_end:
                    busy, load = timeline._busy, timeline._load
                    for day in range(start // DAY, (end - 1) // DAY + 1):
                        busy[item.chair, day].append((start, end))
                        load[day].append((start, end))
    return timelines
