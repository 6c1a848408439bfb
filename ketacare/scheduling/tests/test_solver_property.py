"""Generated small instances: every result of first fit and of the solver keeps every rule (by the
independent check.py), every request is answered once, and the solver never starts fewer courses."""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketacare.scheduling.domain.check import check
from ketacare.scheduling.domain.first_fit import first_fit
from ketacare.scheduling.domain.instance import WEEKDAYS, InstanceError, parse_instance
from ketacare.scheduling.domain.solver import solve


def _time(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def windows(draw, low=7 * 60, high=13 * 60):
    start = draw(st.integers(low // 15, high // 15 - 2)) * 15
    end = draw(st.integers(start // 15 + 1, high // 15)) * 15
    return [_time(start), _time(end)]


@st.composite
def weekly(draw):
    days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True))
    return {day: draw(windows()) for day in days}


@st.composite
def instances(draw):
    days = draw(st.integers(2, 7))
    slot = draw(st.sampled_from([15, 30, 20, 25]))
    locations = []
    for index in range(draw(st.integers(1, 2))):
        chairs = [f"L{index}-c{c}" for c in range(draw(st.integers(1, 3)))]
        nurses = [{"id": f"L{index}-n{n}", "shifts": draw(weekly())} for n in range(draw(st.integers(0, 2)))]
        closed = draw(st.lists(st.integers(0, days - 1), max_size=1))
        locations.append(
            {
                "id": f"L{index}",
                "chairs": chairs,
                "hours": draw(weekly()),
                "nurses": nurses,
                "chairs_per_nurse": draw(st.integers(1, 2)),
                "closed_dates": [f"2027-01-{4 + d:02d}" for d in closed],
            }
        )
    booked = []
    for _ in range(draw(st.integers(0, 4))):
        location = draw(st.sampled_from(locations))
        start = draw(st.integers(7 * 4, 12 * 4)) * 15
        booked.append(
            {
                "location": location["id"],
                "chair": draw(st.sampled_from(location["chairs"])),
                "start": f"2027-01-{4 + draw(st.integers(0, days - 1)):02d}T{_time(start)}",
                "minutes": draw(st.sampled_from([30, 45, 60, 120])),
            }
        )
    requests = []
    for index in range(draw(st.integers(1, 5))):
        request = {
            "id": f"r{index}",
            "sessions": draw(st.integers(1, 3)),
            "session_minutes": draw(st.sampled_from([30, 45, 60, 90])),
            "min_days_between": draw(st.integers(0, 2)),
            "locations": draw(st.lists(st.sampled_from([loc["id"] for loc in locations]), min_size=1, unique=True)),
        }
        if draw(st.booleans()):
            request["max_span_days"] = draw(st.integers(0, 5))
        earliest = draw(st.integers(0, days - 1))
        if draw(st.booleans()):
            request["earliest_date"] = f"2027-01-{4 + earliest:02d}"
        if draw(st.booleans()):
            request["latest_start_date"] = f"2027-01-{4 + earliest + draw(st.integers(0, 2)):02d}"
        if draw(st.booleans()):
            request["availability"] = [
                {"days": list(draw(weekly())), "from": w[0], "to": w[1]}
                for w in draw(st.lists(windows(), min_size=1, max_size=2))
            ]
        requests.append(request)
    return {
        "timezone": "Europe/Berlin",
        "start_date": "2027-01-04",
        "days": days,
        "slot_minutes": slot,
        "locations": locations,
        "booked": booked,
        "requests": requests,
    }


def _best_first_fit_over_orders(instance) -> int:
    """The most courses first fit starts over every order of the requests: a floor the solver must reach."""
    return max(
        len(first_fit(instance.with_requests(tuple(order))).scheduled)
        for order in itertools.permutations(instance.requests)
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_result_keeps_every_rule_and_the_solver_is_never_worse(data):
    instance = parse_instance(data)
    baseline = first_fit(instance)
    result = solve(instance, time_limit_seconds=3.0)
    for answer in (baseline, result):
        out = answer.to_json()
        assert check(instance, out) == []
        answered = [r["id"] for r in out["scheduled"]] + [r["id"] for r in out["unscheduled"]]
        assert sorted(answered) == sorted(r.id for r in instance.requests)
        assert all(reason for _, reason in answer.unscheduled)
    assert len(result.scheduled) >= len(baseline.scheduled)
    if len(instance.requests) <= 4:
        assert len(result.scheduled) >= _best_first_fit_over_orders(instance)


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**7),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.data())
def test_any_damaged_field_is_refused_with_an_instance_error_or_still_solves_validly(data, draw):
    paths = [path for path in _paths(data) if path]
    path = draw.draw(st.sampled_from(paths))
    container = data
    for key in path[:-1]:
        container = container[key]
    container[path[-1]] = draw.draw(JUNK)
    try:
        instance = parse_instance(data)
    except InstanceError as exc:
        assert exc.field and exc.message
        return
    assert check(instance, solve(instance, time_limit_seconds=2.0).to_json()) == []
