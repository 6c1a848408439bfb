"""Local search on top of a greedy schedule: make room for an unscheduled request by moving one
scheduled request elsewhere (an ejection chain of depth one). Each accepted step adds a course and
keeps all others, so the count only grows; it stops when a full pass finds nothing or at the deadline.
"""

import time

from ketacare.scheduling.domain.instance import Instance, Request
from ketacare.scheduling.domain.result import ScheduledRequest
from ketacare.scheduling.domain.series import (
    Series,
    as_scheduled,
    earliest_series,
    first_day_bounds,
    place,
)
from ketacare.scheduling.domain.timeline import LocationTimeline, build_timelines


def _series_of(instance: Instance, scheduled: ScheduledRequest) -> Series:
    return scheduled.location, [(instance.minute_of(s.start), s.chair) for s in scheduled.sessions]


def _remove(request: Request, series: Series, timelines: dict[str, LocationTimeline]) -> None:
    location_id, sessions = series
    for start, chair in sessions:
        timelines[location_id].remove(chair, start, start + request.session_minutes)


def _day_range(instance: Instance, request: Request) -> tuple[int, int]:
    first, last_first = first_day_bounds(instance, request)
    span = instance.days if request.max_span_days is None else request.max_span_days
    return first, last_first + span


def improve(instance: Instance, scheduled: list[ScheduledRequest], deadline: float) -> list[ScheduledRequest]:
    """More courses than `scheduled` where one move makes room; `deadline` is a time.perf_counter() value."""
    requests = {request.id: request for request in instance.requests}
    timelines = build_timelines(instance)
    placed: dict[str, Series] = {}
    for item in scheduled:
        placed[item.id] = _series_of(instance, item)
        place(instance, requests[item.id], placed[item.id], timelines)
    waiting = [r for r in instance.requests if r.id not in placed]
    improved = True
    while improved and waiting and time.perf_counter() < deadline:
        improved = False
        for request in list(waiting):
            if time.perf_counter() >= deadline:
                break
            series = earliest_series(instance, request, timelines)
            if series is None:
                series = _make_room(instance, request, requests, placed, timelines, deadline)
            if series is not None:
                place(instance, request, series, timelines)
                placed[request.id] = series
                waiting.remove(request)
                improved = True
    order = {request.id: index for index, request in enumerate(instance.requests)}
    return [
        as_scheduled(instance, request_id, series)
        for request_id, series in sorted(placed.items(), key=lambda item: order[item[0]])
    ]


def _make_room(
    instance: Instance,
    request: Request,
    requests: dict[str, Request],
    placed: dict[str, Series],
    timelines: dict[str, LocationTimeline],
    deadline: float,
) -> Series | None:
    """Move one scheduled request so that `request` fits; returns `request`'s series (with the move made)."""
    low, high = _day_range(instance, request)
    for other_id, other_series in list(placed.items()):
        if time.perf_counter() >= deadline:
            return None
        if other_series[0] not in request.locations:
            continue
        if not any(low * 1440 <= start < (high + 1) * 1440 for start, _ in other_series[1]):
            continue
        other = requests[other_id]
        _remove(other, other_series, timelines)
        # Only the other request's location changed, and `request` fitted nowhere before.
        series = earliest_series(instance, request, timelines, locations=(other_series[0],))
        if series is not None:
            place(instance, request, series, timelines)
            moved = earliest_series(instance, other, timelines)
            if moved is not None:
                place(instance, other, moved, timelines)
                placed[other_id] = moved
                _remove(request, series, timelines)  # the caller places it
                return series
            _remove(request, series, timelines)
        place(instance, other, other_series, timelines)
    return None
