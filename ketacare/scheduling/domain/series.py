"""The earliest feasible series of one request, given what is already taken.

For a fixed first date, taking each following session on the earliest feasible date is never worse
(every later date stays reachable), so trying first dates in order finds the earliest-starting series
if any exists: an exact search for a single request. First fit, the one-request solve and the
reasons for an unscheduled request all use it.
"""

from ketacare.scheduling.domain.instance import Instance, Request
from ketacare.scheduling.domain.result import ScheduledRequest, SessionPlacement
from ketacare.scheduling.domain.timeline import (
    LocationTimeline,
    first_grid_start,
    intersect,
    session_windows,
)

Series = tuple[str, list[tuple[int, str]]]  # location id, [(start minute, chair)]


def first_day_bounds(instance: Instance, request: Request) -> tuple[int, int]:
    """The days (horizon indices) on which the first session may fall."""
    first = 0 if request.earliest_date is None else max(0, instance.day_of(request.earliest_date))
    last = instance.days - 1
    if request.latest_start_date is not None:
        last = min(last, instance.day_of(request.latest_start_date))
    return first, last


def earliest_at(
    instance: Instance, request: Request, timeline: LocationTimeline, use_availability: bool
) -> list[int] | None:
    """The starts (horizon minutes) of the earliest series at one location, or None if none fits."""
    starts: dict[int, int | None] = {}

    def start_on(day: int) -> int | None:
        if day not in starts:
            windows = session_windows(instance, timeline.location, request, day, use_availability=use_availability)
            starts[day] = (
                None
                if not windows
                else first_grid_start(
                    intersect(windows, timeline.open_starts(day, request.session_minutes)), day, instance.slot_minutes
                )
            )
        return starts[day]

    first, last_first = first_day_bounds(instance, request)
    for day in range(first, last_first + 1):
        first_start = start_on(day)
        if first_start is None:
            continue
        limit = instance.days - 1
        if request.max_span_days is not None:
            limit = min(limit, day + request.max_span_days)
        series, current = [first_start], day
        while len(series) < request.sessions:
            current += request.day_gap
            while current <= limit and start_on(current) is None:
                current += 1
            following = start_on(current) if current <= limit else None
            if following is None:
                break
            series.append(following)
        if len(series) == request.sessions:
            return series
        if limit == instance.days - 1 and request.max_span_days is None:
            return None  # a later first date can only reach fewer days
    return None


def earliest_series(
    instance: Instance,
    request: Request,
    timelines: dict[str, LocationTimeline],
    *,
    use_availability: bool = True,
    locations: tuple[str, ...] | None = None,
) -> Series | None:
    """The series with the earliest first session over the request's locations (or over `locations`, some of
    them); ties go to the location listed first."""
    best: Series | None = None
    for location_id in request.locations if locations is None else locations:
        timeline = timelines[location_id]
        starts = earliest_at(instance, request, timeline, use_availability)
        if starts is not None and (best is None or starts[0] < best[1][0][0]):
            best = (location_id, [(start, timeline.chair_for(start, request.session_minutes)) for start in starts])
    return best


def as_scheduled(instance: Instance, request_id: str, series: Series) -> ScheduledRequest:
    location_id, sessions = series
    return ScheduledRequest(
        request_id, location_id, tuple(SessionPlacement(chair, instance.moment_of(start)) for start, chair in sessions)
    )


def place(
    instance: Instance, request: Request, series: Series, timelines: dict[str, LocationTimeline]
) -> ScheduledRequest:
    location_id, sessions = series
    for start, chair in sessions:
        timelines[location_id].add(chair, start, start + request.session_minutes)
    return as_scheduled(instance, request.id, series)
