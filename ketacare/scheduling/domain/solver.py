"""Start as many courses as possible: first fit, a better greedy order and a local search, then OR-Tools
CP-SAT over the whole instance with that schedule as its hint (docs/scheduling.md, "How it solves").

CP-SAT model:
- per request a literal `scheduled`, one literal per location it may use (exactly one when scheduled);
- per session a start (in slots) whose domain is every slot-grid start that fits the location's
  hours, closed dates, the horizon, the patient's availability and the chairs/nurses left by booked
  items, and a date chained by the spacing, span and first-date rules;
- per session and usable chair an optional interval: one per chair `NoOverlap` with the booked items
  (rule 6), and one `Cumulative` per location whose capacity follows the nurses on shift minus the
  booked items in progress (rule 7).
Objective, lexicographic by weights: courses started, then earlier first-session dates, then request
order. The hint is complete and feasible, so the answer never has fewer courses than first fit.
"""

import itertools
import time

from ortools.sat.python import cp_model

from ketacare.scheduling.domain.first_fit import greedy, with_reasons
from ketacare.scheduling.domain.improve import improve
from ketacare.scheduling.domain.instance import MINUTES_PER_DAY as DAY
from ketacare.scheduling.domain.instance import Instance, Request
from ketacare.scheduling.domain.result import (
    ScheduledRequest,
    SessionPlacement,
    SolveResult,
)
from ketacare.scheduling.domain.series import (
    earliest_at,
    first_day_bounds,
)
from ketacare.scheduling.domain.timeline import (
    LocationTimeline,
    build_timelines,
    grid_starts,
    intersect,
    session_windows,
)

# Two workers: the machine has two cores and the web process must stay responsive.
NUM_WORKERS = 2
RANDOM_SEED = 0
LARGE_MODEL_REQUESTS = 100
# Share of the time limit for the greedy starts and the local search; CP-SAT gets the rest.
LOCAL_SEARCH_SHARE = 0.6
# CP-SAT needs some time for presolve; and above this many optional chair intervals (500 six-session
# requests on 4 chairs: 21 000) building and presolving the model outlasts a 20-second limit on two cores
# (bench/waitlist_solver.py), so the local search gets the whole limit instead.
MIN_CP_SAT_SECONDS = 0.5
MAX_CP_SAT_INTERVALS = 15_000


def _candidate_starts(instance: Instance, request: Request, timeline: LocationTimeline) -> list[int]:
    """Every start of this request at this location that booked items alone leave open."""
    first, last_first = first_day_bounds(instance, request)
    last = (
        instance.days - 1
        if request.max_span_days is None
        else min(instance.days - 1, last_first + request.max_span_days)
    )
    starts: list[int] = []
    for day in range(first, last + 1):
        windows = session_windows(instance, timeline.location, request, day)
        if windows:
            starts.extend(
                grid_starts(
                    intersect(windows, timeline.open_starts(day, request.session_minutes)), day, instance.slot_minutes
                )
            )
    return starts


class _Course:
    """The variables of one request."""

    def __init__(
        self, model: cp_model.CpModel, instance: Instance, request: Request, starts_by_location: dict[str, list[int]]
    ) -> None:
        self.request = request
        self.scheduled = model.new_bool_var(f"{request.id}")
        self.at = {location: model.new_bool_var(f"{request.id}@{location}") for location in starts_by_location}
        model.add(sum(self.at.values()) == self.scheduled)
        # Starts are counted in slots when the grid divides the day: long runs of consecutive slots make
        # small domains, where single minutes would make hundreds of holes.
        self.unit = instance.slot_minutes if DAY % instance.slot_minutes == 0 else 1
        every_start = sorted(set().union(*starts_by_location.values()))
        self.earliest_start = every_start[0]
        self.slots = [
            model.new_int_var_from_domain(self._domain(every_start), f"{request.id}#{k}")
            for k in range(request.sessions)
        ]
        self.starts = [self.unit * slot for slot in self.slots]
        self.days = [model.new_int_var(0, instance.days - 1, "") for _ in range(request.sessions)]
        for start, day in zip(self.starts, self.days, strict=True):
            model.add(start >= DAY * day)
            model.add(start <= DAY * day + DAY - 1)
        for slot in self.slots:
            if len(self.at) > 1:
                for location, literal in self.at.items():
                    model.add_linear_expression_in_domain(
                        slot, self._domain(starts_by_location[location])
                    ).only_enforce_if(literal)
        for previous, following in itertools.pairwise(self.days):
            model.add(following >= previous + request.day_gap).only_enforce_if(self.scheduled)
        if request.max_span_days is not None:
            model.add(self.days[-1] - self.days[0] <= request.max_span_days).only_enforce_if(self.scheduled)
        first, last_first = first_day_bounds(instance, request)
        model.add(self.days[0] >= first).only_enforce_if(self.scheduled)
        model.add(self.days[0] <= last_first).only_enforce_if(self.scheduled)
        # The first date counts in the objective only when the course is scheduled (0 otherwise).
        self.first_day = model.new_int_var(0, instance.days - 1, "")
        model.add(self.first_day == self.days[0]).only_enforce_if(self.scheduled)
        model.add(self.first_day == 0).only_enforce_if(self.scheduled.negated())
        # (session index, location, chair) -> presence literal
        self.chair: dict[tuple[int, str, str], cp_model.IntVar] = {}

    def _domain(self, starts: list[int]) -> cp_model.Domain:
        runs: list[list[int]] = []
        for value in sorted(start // self.unit for start in starts):
            if runs and value <= runs[-1][1] + 1:
                runs[-1][1] = max(runs[-1][1], value)
            else:
                runs.append([value, value])
        return cp_model.Domain.from_intervals(runs)

    def add_intervals(
        self,
        model: cp_model.CpModel,
        instance: Instance,
        by_chair: dict[tuple[str, str], list[cp_model.IntervalVar]],
        by_location: dict[str, list[cp_model.IntervalVar]],
    ) -> None:
        minutes = self.request.session_minutes
        for k, start in enumerate(self.starts):
            for location_id, literal in self.at.items():
                presences = []
                for chair in instance.location_by_id[location_id].chairs:
                    presence = model.new_bool_var("")
                    interval = model.new_optional_fixed_size_interval_var(start, minutes, presence, "")
                    by_chair[location_id, chair].append(interval)
                    by_location[location_id].append(interval)
                    self.chair[k, location_id, chair] = presence
                    presences.append(presence)
                model.add(sum(presences) == literal)

    def hint(self, model: cp_model.CpModel, placed: ScheduledRequest | None, instance: Instance) -> None:
        model.add_hint(self.scheduled, placed is not None)
        for location_id, literal in self.at.items():
            model.add_hint(literal, placed is not None and placed.location == location_id)
        starts = [instance.minute_of(s.start) for s in placed.sessions] if placed else None
        for k, (slot, day) in enumerate(zip(self.slots, self.days, strict=True)):
            value = starts[k] if starts else self.earliest_start
            model.add_hint(slot, value // self.unit)
            model.add_hint(day, value // DAY)
        model.add_hint(self.first_day, starts[0] // DAY if starts else 0)
        for (k, location_id, chair), presence in self.chair.items():
            model.add_hint(
                presence, placed is not None and placed.location == location_id and placed.sessions[k].chair == chair
            )


def _capacity_and_reductions(instance: Instance, timeline: LocationTimeline) -> tuple[int, list[tuple[int, int, int]]]:
    """Cumulative capacity (the most monitoring places left at any moment) and the fixed (start, end, demand)
    blocks that lower it to what is left moment by moment."""
    segments = [segment for day in range(instance.days) for segment in timeline.residual_segments(day)]
    capacity = min(max((places for _, _, places in segments), default=0), len(timeline.location.chairs))
    reductions = [
        (start, end, capacity - min(places, capacity)) for start, end, places in segments if places < capacity
    ]
    return capacity, reductions


def _best_greedy(
    instance: Instance, timelines: dict[str, LocationTimeline], baseline: list[ScheduledRequest]
) -> list[ScheduledRequest]:
    """A better starting point than first fit: least flexible requests first (fewest candidate starts,
    weighted by session length), which leaves the flexible ones to fill the gaps."""
    options = {
        request.id: sum(
            len(_candidate_starts(instance, request, timelines[location_id])) for location_id in request.locations
        )
        for request in instance.requests
    }
    best = baseline
    for key in (lambda r: (options[r.id] * r.session_minutes, r.sessions), lambda r: options[r.id]):
        scheduled = greedy(instance, sorted(instance.requests, key=key))
        if len(scheduled) > len(best):
            best = scheduled
    return best


def _model(instance: Instance, timelines: dict[str, LocationTimeline]) -> tuple[cp_model.CpModel, list[_Course]]:
    model = cp_model.CpModel()
    courses: list[_Course] = []
    for request in instance.requests:
        starts_by_location = {}
        for location_id in request.locations:
            timeline = timelines[location_id]
            if earliest_at(instance, request, timeline, True) is not None:
                starts_by_location[location_id] = _candidate_starts(instance, request, timeline)
        if starts_by_location:
            courses.append(_Course(model, instance, request, starts_by_location))
    by_chair: dict[tuple[str, str], list[cp_model.IntervalVar]] = {
        (location.id, chair): [] for location in instance.locations for chair in location.chairs
    }
    by_location: dict[str, list[cp_model.IntervalVar]] = {location.id: [] for location in instance.locations}
    for course in courses:
        course.add_intervals(model, instance, by_chair, by_location)
    for (location_id, chair), intervals in by_chair.items():
        if intervals:
            blocks = timelines[location_id].booked_blocks(chair)
            model.add_no_overlap(intervals + [model.new_fixed_size_interval_var(s, e - s, "") for s, e in blocks])
    for location_id, intervals in by_location.items():
        if intervals:
            capacity, reductions = _capacity_and_reductions(instance, timelines[location_id])
            fixed = [model.new_fixed_size_interval_var(s, e - s, "") for s, e, _ in reductions]
            model.add_cumulative(intervals + fixed, [1] * len(intervals) + [d for _, _, d in reductions], capacity)

    # Lexicographic weights: any extra course outweighs every date and order term, any day earlier
    # outweighs every order term. Order: the first request listed weighs most.
    count = len(instance.requests)
    order_total = count * (count - 1) // 2
    day_weight = order_total + 1
    course_weight = count * instance.days * day_weight + order_total + 1
    position = {request.id: index for index, request in enumerate(instance.requests)}
    model.maximize(
        sum(
            (course_weight + count - 1 - position[c.request.id]) * c.scheduled - day_weight * c.first_day
            for c in courses
        )
    )
    return model, courses


def _chair_intervals(instance: Instance) -> int:
    """How many optional intervals the CP-SAT model would have (one per session, allowed location and chair)."""
    chairs = {location.id: len(location.chairs) for location in instance.locations}
    return sum(r.sessions * sum(chairs[location_id] for location_id in r.locations) for r in instance.requests)


def solve(instance: Instance, time_limit_seconds: float = 10.0) -> SolveResult:
    """The most courses that fit (see the module docstring); never fewer than first fit."""
    began = time.perf_counter()
    baseline = greedy(instance, instance.requests)
    if len(baseline) == len(instance.requests) or len(instance.requests) <= 1:
        # One request: the earliest series is exact. All placed: nothing more to win on the count.
        return with_reasons(instance, baseline, "exact")

    timelines = build_timelines(instance)
    start = _best_greedy(instance, timelines, baseline)
    use_cp_sat = _chair_intervals(instance) <= MAX_CP_SAT_INTERVALS
    share = LOCAL_SEARCH_SHARE if use_cp_sat else 0.95
    start = improve(instance, start, began + share * time_limit_seconds)
    if not use_cp_sat:
        return with_reasons(instance, start, "local search")
    model, courses = _model(instance, timelines)
    placed = {request.id: request for request in start}
    for course in courses:
        course.hint(model, placed.get(course.request.id), instance)

    remaining = time_limit_seconds - (time.perf_counter() - began)
    if remaining < MIN_CP_SAT_SECONDS:
        return with_reasons(instance, start, "local search")
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = remaining
    solver.parameters.num_workers = NUM_WORKERS
    solver.parameters.random_seed = RANDOM_SEED
    # Interleaved workers make the search repeatable: a run that ends before the limit ends the same way.
    solver.parameters.interleave_search = True
    if len(courses) > LARGE_MODEL_REQUESTS:
        # Probing dominates presolve on large models and would eat the whole time limit.
        solver.parameters.cp_model_probing_level = 0
    status = solver.solve(model)
    solved = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    chosen = [c for c in courses if solver.boolean_value(c.scheduled)] if solved else []
    if len(chosen) < len(start):
        # No solution within the time limit: the local search result stands.
        return with_reasons(instance, start, "local search")
    scheduled = []
    for course in chosen:
        location_id = next(location for location, literal in course.at.items() if solver.boolean_value(literal))
        sessions = []
        for k, start_expr in enumerate(course.starts):
            chair = next(
                c
                for (j, location, c), presence in course.chair.items()
                if j == k and location == location_id and solver.boolean_value(presence)
            )
            sessions.append(SessionPlacement(chair, instance.moment_of(solver.value(start_expr))))
        scheduled.append(ScheduledRequest(course.request.id, location_id, tuple(sessions)))
    return with_reasons(instance, scheduled, "cp-sat optimal" if status == cp_model.OPTIMAL else "cp-sat feasible")
