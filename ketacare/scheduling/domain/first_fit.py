"""First fit: each request in order takes its earliest feasible series (the benchmark's baseline)."""

from ketacare.scheduling.domain.instance import Instance, Request
from ketacare.scheduling.domain.reasons import Explainer
from ketacare.scheduling.domain.result import ScheduledRequest, SolveResult
from ketacare.scheduling.domain.series import earliest_series, place
from ketacare.scheduling.domain.timeline import build_timelines


def greedy(instance: Instance, order: list[Request] | tuple[Request, ...]) -> list[ScheduledRequest]:
    """Each request in `order` takes its earliest feasible series given those placed before it."""
    timelines = build_timelines(instance)
    scheduled = []
    for request in order:
        series = earliest_series(instance, request, timelines)
        if series is not None:
            scheduled.append(place(instance, request, series, timelines))
    return scheduled


def with_reasons(instance: Instance, scheduled: list[ScheduledRequest], method: str) -> SolveResult:
    """The result: scheduled requests in request order, and a reason for each of the others."""
    order = {request.id: index for index, request in enumerate(instance.requests)}
    done = {request.id for request in scheduled}
    explainer = Explainer(instance)
    return SolveResult(
        sorted(scheduled, key=lambda r: order[r.id]),
        [(r.id, explainer.reason(r)) for r in instance.requests if r.id not in done],
        method,
    )


def first_fit(instance: Instance) -> SolveResult:
    method = "exact" if len(instance.requests) == 1 else "first-fit"
    return with_reasons(instance, greedy(instance, instance.requests), method)
