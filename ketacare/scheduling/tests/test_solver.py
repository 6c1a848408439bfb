"""The scheduling core on small hand-made instances, each built so that one rule of the exchange format
(../shared/scheduling-instance.md) is the binding one; every result is also run through check.py."""

import copy
import datetime as dt
import json
import time
from pathlib import Path

import pytest

from ketacare.scheduling.domain import solver as solver_module
from ketacare.scheduling.domain.check import check
from ketacare.scheduling.domain.first_fit import first_fit
from ketacare.scheduling.domain.improve import improve
from ketacare.scheduling.domain.instance import InstanceError, parse_instance
from ketacare.scheduling.domain.solver import solve

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples" / "scheduling"
WEEKDAYS_8_TO_12 = {day: ["08:00", "12:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


def location(id="north", chairs=("north-1",), hours=None, nurses=1, chairs_per_nurse=2, **extra) -> dict:
    return {
        "id": id,
        "chairs": list(chairs),
        "hours": hours or dict(WEEKDAYS_8_TO_12),
        "nurses": [{"id": f"{id}-nurse-{n}", "shifts": dict(hours or WEEKDAYS_8_TO_12)} for n in range(nurses)],
        "chairs_per_nurse": chairs_per_nurse,
        **extra,
    }


def request(id="r1", sessions=1, session_minutes=60, locations=("north",), **extra) -> dict:
    return {"id": id, "sessions": sessions, "session_minutes": session_minutes, "locations": list(locations), **extra}


def make(requests, locations=None, booked=(), days=5, slot_minutes=15) -> dict:
    """Monday 2027-01-04 onwards; one chair, open and staffed 08:00-12:00 on weekdays unless told."""
    return {
        "timezone": "America/Chicago",
        "start_date": "2027-01-04",
        "days": days,
        "slot_minutes": slot_minutes,
        "locations": list(locations or [location()]),
        "booked": list(booked),
        "requests": list(requests),
    }


def run(data: dict, method=solve) -> dict:
    instance = parse_instance(data)
    result = method(instance) if method is first_fit else method(instance, time_limit_seconds=5.0)
    out = result.to_json()
    assert check(instance, out) == []
    assert sorted(r["id"] for r in out["scheduled"] + out["unscheduled"]) == sorted(r.id for r in instance.requests)
    return out


def starts(out: dict, request_id="r1") -> list[str]:
    entry = next(r for r in out["scheduled"] if r["id"] == request_id)
    return [s["start"] for s in entry["sessions"]]


def reason(out: dict, request_id="r1") -> str:
    return next(r["reason"] for r in out["unscheduled"] if r["id"] == request_id)


def booked(start: str, minutes: int, chair="north-1", location="north") -> dict:
    return {"location": location, "chair": chair, "start": start, "minutes": minutes}


# --- rule 1: all or nothing ----------------------------------------------------------------------


def test_a_course_that_does_not_fit_whole_is_not_started_at_all():
    # Four weekdays open in the horizon, five sessions asked: no partial course.
    out = run(make([request(sessions=5)], days=4))
    assert out["scheduled"] == []
    assert "5-session series" in reason(out)
    assert len(starts(run(make([request(sessions=4)], days=4)))) == 4


def test_check_refuses_a_partial_course():
    instance = parse_instance(make([request(sessions=2)]))
    result = {
        "scheduled": [
            {"id": "r1", "location": "north", "sessions": [{"chair": "north-1", "start": "2027-01-04T08:00"}]}
        ],
        "unscheduled": [],
    }
    assert any("rule 1" in problem for problem in check(instance, result))


# --- rule 2: one location ------------------------------------------------------------------------


def test_every_session_of_a_course_is_at_one_location():
    north = location("north", hours={"mon": ["08:00", "12:00"], "wed": ["08:00", "12:00"]})
    south = location("south", chairs=("south-1",), hours={"tue": ["08:00", "12:00"], "thu": ["08:00", "12:00"]})
    # Mon (north) + Tue (south) would be the earliest pair, but it mixes locations.
    out = run(make([request(sessions=2, locations=("north", "south"), max_span_days=2)], [north, south]))
    assert out["scheduled"][0]["location"] == "north"
    assert starts(out) == ["2027-01-04T08:00", "2027-01-06T08:00"]
    # Within one day of each other only a mixed pair would fit.
    out = run(make([request(sessions=2, locations=("north", "south"), max_span_days=1)], [north, south]))
    assert out["scheduled"] == []


def test_check_refuses_a_course_split_over_locations_and_foreign_chairs():
    data = make([request(sessions=1, locations=("north",))], [location(), location("south", chairs=("south-1",))])
    instance = parse_instance(data)
    result = {
        "scheduled": [
            {"id": "r1", "location": "south", "sessions": [{"chair": "south-1", "start": "2027-01-04T08:00"}]}
        ],
        "unscheduled": [],
    }
    assert any("rule 2" in problem for problem in check(instance, result))
    result["scheduled"][0].update(location="north")
    assert any("chair 'south-1' is not at north" in problem for problem in check(instance, result))


# --- rule 3: grid, hours, closed dates, horizon, availability -----------------------------------


def test_starts_lie_on_the_slot_grid_counted_from_midnight():
    hours = {"mon": ["08:10", "12:00"]}
    out = run(make([request()], [location(hours=hours)], slot_minutes=25))
    assert starts(out) == ["2027-01-04T08:20"]  # 500 minutes = 20 × 25; 08:10 is off the grid


def test_a_session_lies_wholly_inside_the_opening_hours():
    hours = {"mon": ["08:00", "09:15"], "tue": ["08:00", "09:30"]}
    early = booked("2027-01-04T08:00", 30)
    early_tuesday = booked("2027-01-05T08:00", 30)
    out = run(make([request()], [location(hours=hours)], booked=[early, early_tuesday]))
    # Monday 08:30 would end 09:30, after closing at 09:15; Tuesday 08:30-09:30 fits exactly.
    assert starts(out) == ["2027-01-05T08:30"]


def test_a_session_may_end_at_midnight_when_the_hours_end_at_24_00():
    late = {"mon": ["22:00", "24:00"]}
    out = run(make([request(session_minutes=120)], [location(hours=late)], booked=[booked("2027-01-04T22:00", 1)]))
    assert out["scheduled"] == []  # 22:15 would end after midnight
    assert starts(run(make([request(session_minutes=120)], [location(hours=late)]))) == ["2027-01-04T22:00"]


def test_no_session_on_a_closed_date():
    out = run(make([request()], [location(closed_dates=["2027-01-04", "2027-01-05"])]))
    assert starts(out) == ["2027-01-06T08:00"]


def test_no_session_outside_the_horizon():
    out = run(make([request(sessions=2, min_days_between=2)], days=2))
    assert out["scheduled"] == []
    assert starts(run(make([request(sessions=2, min_days_between=2)], days=3))) == [
        "2027-01-04T08:00",
        "2027-01-06T08:00",
    ]


def test_a_session_lies_wholly_inside_one_availability_window():
    windows = [
        {"days": ["mon"], "from": "08:00", "to": "09:00"},
        {"days": ["mon"], "from": "09:00", "to": "10:00"},
        {"days": ["wed"], "from": "10:00", "to": "12:00"},
    ]
    # 90 minutes do not fit in either Monday window even though the two touch.
    out = run(make([request(session_minutes=90, availability=windows)]))
    assert starts(out) == ["2027-01-06T10:00"]


def test_check_reports_grid_hours_closed_and_availability():
    data = make(
        [request(availability=[{"days": ["tue"], "from": "08:00", "to": "12:00"}])],
        [location(closed_dates=["2027-01-04"])],
    )
    instance = parse_instance(data)
    result = {
        "scheduled": [
            {"id": "r1", "location": "north", "sessions": [{"chair": "north-1", "start": "2027-01-04T11:10"}]}
        ],
        "unscheduled": [],
    }
    problems = " | ".join(check(instance, result))
    assert "grid" in problems and "closed" in problems and "hours" in problems and "availability" in problems


# --- rule 4: one session a date, spacing, span ---------------------------------------------------


def test_at_most_one_session_of_a_course_per_date():
    # Two chairs and a whole morning free: still one session per date.
    out = run(make([request(sessions=2, min_days_between=0)], [location(chairs=("north-1", "north-2"))]))
    assert starts(out) == ["2027-01-04T08:00", "2027-01-05T08:00"]


def test_sessions_keep_the_minimum_days_between():
    out = run(make([request(sessions=3, min_days_between=2)], days=5))
    assert starts(out) == ["2027-01-04T08:00", "2027-01-06T08:00", "2027-01-08T08:00"]
    assert run(make([request(sessions=3, min_days_between=3)], days=5))["scheduled"] == []


def test_a_course_keeps_within_its_span():
    closed = location(closed_dates=["2027-01-05"])
    # Mon, (Tue closed), Wed, Thu spans 3 days: too long for 2, so the course starts Wednesday.
    out = run(make([request(sessions=3, max_span_days=2)], [closed]))
    assert starts(out) == ["2027-01-06T08:00", "2027-01-07T08:00", "2027-01-08T08:00"]
    out = run(make([request(sessions=3, max_span_days=2)], [closed], days=4))
    assert out["scheduled"] == [] and "within 2 days" in reason(out)


# --- rule 5: first-session window ----------------------------------------------------------------


def test_the_first_session_respects_earliest_and_latest_start_dates():
    out = run(make([request(sessions=2, earliest_date="2027-01-06")]))
    assert starts(out) == ["2027-01-06T08:00", "2027-01-07T08:00"]
    out = run(make([request(latest_start_date="2027-01-05")], [location(closed_dates=["2027-01-04", "2027-01-05"])]))
    assert out["scheduled"] == []


# --- rule 6: chairs ------------------------------------------------------------------------------


def test_a_chair_holds_one_session_at_a_time_and_may_be_reused_the_minute_it_frees():
    out = run(make([request()], booked=[booked("2027-01-04T08:00", 60)]))
    assert starts(out) == ["2027-01-04T09:00"]
    out = run(make([request()], [location(chairs=("north-1", "north-2"))], booked=[booked("2027-01-04T08:00", 60)]))
    assert out["scheduled"][0]["sessions"] == [{"chair": "north-2", "start": "2027-01-04T08:00"}]


def test_check_refuses_a_double_booked_chair():
    instance = parse_instance(make([request()], booked=[booked("2027-01-04T08:00", 60)]))
    result = {
        "scheduled": [
            {"id": "r1", "location": "north", "sessions": [{"chair": "north-1", "start": "2027-01-04T08:45"}]}
        ],
        "unscheduled": [],
    }
    assert any("rule 6" in problem for problem in check(instance, result))


# --- rule 7: monitoring capacity -----------------------------------------------------------------


def test_nurse_capacity_binds_even_with_a_free_chair():
    two_chairs_one_place = location(chairs=("north-1", "north-2"), chairs_per_nurse=1)
    out = run(make([request()], [two_chairs_one_place], booked=[booked("2027-01-04T08:00", 60)]))
    assert starts(out) == ["2027-01-04T09:00"]


def test_a_session_needs_a_nurse_for_its_whole_length():
    shifts = {"mon": ["08:00", "10:00"], "tue": ["08:00", "12:00"]}
    loc = location(hours={"mon": ["08:00", "12:00"], "tue": ["08:00", "12:00"]})
    loc["nurses"] = [{"id": "ann", "shifts": shifts}]
    # Monday the chair frees at 09:30 but the nurse leaves at 10:00: the 60-minute session goes to Tuesday.
    out = run(make([request()], [loc], booked=[booked("2027-01-04T08:00", 90)]))
    assert starts(out) == ["2027-01-05T08:00"]


def test_check_refuses_too_many_in_progress_for_the_nurses():
    loc = location(chairs=("north-1", "north-2"), chairs_per_nurse=1)
    instance = parse_instance(make([request()], [loc], booked=[booked("2027-01-04T08:00", 60)]))
    result = {
        "scheduled": [
            {"id": "r1", "location": "north", "sessions": [{"chair": "north-2", "start": "2027-01-04T08:30"}]}
        ],
        "unscheduled": [],
    }
    assert any("rule 7" in problem for problem in check(instance, result))


# --- the whole result ----------------------------------------------------------------------------


def test_check_wants_every_request_exactly_once():
    instance = parse_instance(make([request("a"), request("b")]))
    problems = check(
        instance, {"scheduled": [], "unscheduled": [{"id": "a", "reason": "x"}, {"id": "a", "reason": "y"}]}
    )
    assert "b: missing from the result" in problems
    assert "a: appears 2 times in the result" in problems
    assert check(instance, {"scheduled": "nope"}) == [
        "result: must be an object with lists `scheduled` and `unscheduled`"
    ]


def test_the_solver_starts_more_courses_than_first_fit_when_order_matters():
    # One chair, one 2-hour morning a day. The flexible request listed first takes Monday under first fit,
    # and the Monday-only request is left out; the solver moves the flexible one to Tuesday.
    loc = location(hours={"mon": ["08:00", "10:00"], "tue": ["08:00", "10:00"]})
    data = make(
        [
            request("flexible", session_minutes=120),
            request(
                "monday-only", session_minutes=120, availability=[{"days": ["mon"], "from": "08:00", "to": "12:00"}]
            ),
        ],
        [loc],
        days=2,
    )
    assert [r["id"] for r in run(data, first_fit)["scheduled"]] == ["flexible"]
    out = run(data)
    assert starts(out, "monday-only") == ["2027-01-04T08:00"]
    assert starts(out, "flexible") == ["2027-01-05T08:00"]


def _order_matters() -> dict:
    loc = location(hours={"mon": ["08:00", "10:00"], "tue": ["08:00", "10:00"]})
    return make(
        [
            request("flexible", session_minutes=120),
            request(
                "monday-only", session_minutes=120, availability=[{"days": ["mon"], "from": "08:00", "to": "12:00"}]
            ),
        ],
        [loc],
        days=2,
    )


def test_the_local_search_moves_a_course_to_make_room_for_another():
    instance = parse_instance(_order_matters())
    improved = improve(instance, first_fit(instance).scheduled, deadline=time.perf_counter() + 5)
    assert [(r.id, r.sessions[0].start.day) for r in improved] == [("flexible", 5), ("monday-only", 4)]


def test_a_model_too_large_for_cp_sat_is_left_to_the_local_search(monkeypatch):
    monkeypatch.setattr(solver_module, "MAX_CP_SAT_INTERVALS", 1)
    instance = parse_instance(_order_matters())
    result = solve(instance, time_limit_seconds=2.0)
    assert result.method == "local search"
    assert len(result.scheduled) == 2
    assert check(instance, result.to_json()) == []


def test_ties_go_to_earlier_starts_then_to_the_request_listed_first():
    data = make([request("first"), request("second")], days=1, locations=[location(hours={"mon": ["08:00", "09:00"]})])
    out = run(data)
    assert [r["id"] for r in out["scheduled"]] == ["first"]
    assert "went to other requests" in reason(out, "second")


def test_booked_items_are_never_moved_or_reported():
    data = make([request("a"), request("b")], booked=[booked("2027-01-04T08:00", 240)])
    out = run(data)
    assert {s["start"][:10] for r in out["scheduled"] for s in r["sessions"]} == {"2027-01-05"}


def test_one_request_gets_its_earliest_series_exactly():
    data = make([request(sessions=3, min_days_between=1)], booked=[booked("2027-01-04T08:00", 180)])
    result = solve(parse_instance(data))
    assert result.method == "exact"
    assert [s.start for s in result.scheduled[0].sessions] == [
        dt.datetime(2027, 1, 4, 11, 0),
        dt.datetime(2027, 1, 5, 8, 0),
        dt.datetime(2027, 1, 6, 8, 0),
    ]


def test_solve_is_repeatable():
    data = json.loads((EXAMPLES / "waitlist.json").read_text())
    instance = parse_instance(data)
    assert solve(instance, 5.0).to_json() == solve(instance, 5.0).to_json()


def test_on_the_saturated_example_the_solver_beats_first_fit_and_keeps_every_rule():
    instance = parse_instance(json.loads((EXAMPLES / "saturated-50.json").read_text()))
    baseline, result = first_fit(instance), solve(instance, time_limit_seconds=8.0)
    assert check(instance, baseline.to_json()) == []
    assert check(instance, result.to_json()) == []
    assert len(result.scheduled) >= len(baseline.scheduled) * 1.1


def test_an_instance_without_requests_has_an_empty_result():
    assert run(make([])) == {"scheduled": [], "unscheduled": []}


# --- reasons -------------------------------------------------------------------------------------


def test_reason_names_patient_availability():
    out = run(
        make(
            [
                request(
                    sessions=3, max_span_days=4, availability=[{"days": ["mon", "fri"], "from": "08:00", "to": "12:00"}]
                )
            ]
        )
    )
    assert reason(out) == "no 3-session series at least 1 day apart within 4 days fits patient availability at north"


def test_reason_names_chairs_booked_by_existing_appointments():
    full = [booked(f"2027-01-0{d}T08:00", 240) for d in range(4, 9)]
    out = run(make([request()], [location(chairs_per_nurse=5)], booked=full))
    assert reason(out).startswith("chairs at north are fully booked")


def test_reason_names_nurse_capacity_when_chairs_are_free():
    loc = location(chairs=("north-1", "north-2"), chairs_per_nurse=1)
    full = [booked(f"2027-01-0{d}T08:00", 240) for d in range(4, 9)]
    out = run(make([request()], [loc], booked=full))
    assert reason(out).startswith("nurse monitoring capacity")


def test_reason_names_a_first_session_window_outside_the_horizon():
    out = run(make([request(latest_start_date="2027-01-01")]))
    assert reason(out) == (
        "its first session must fall from 2027-01-04 to 2027-01-01, outside the horizon 2027-01-04 to 2027-01-08"
    )


def test_reason_names_opening_hours_when_no_session_fits_at_all():
    out = run(make([request(session_minutes=300)]))
    assert reason(out).startswith("no 300-minute session fits the opening hours and nurse shifts at north")


# --- reading instances ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda d: d["requests"][0].update(sessions=0), "requests[0].sessions"),
        (lambda d: d["requests"][0].update(sessions="six"), "requests[0].sessions"),
        (lambda d: d["requests"][0].update(locations=["nowhere"]), "requests[0].locations[0]"),
        (
            lambda d: d["requests"][0].update(availability=[{"days": ["funday"], "from": "08:00", "to": "09:00"}]),
            "requests[0].availability[0].days[0]",
        ),
        (lambda d: d["requests"][0].update(earliest_date="2027-02-30"), "requests[0].earliest_date"),
        (
            lambda d: d["requests"][0].update(earliest_date="2027-01-09", latest_start_date="2027-01-05"),
            "requests[0].latest_start_date",
        ),
        (lambda d: d["requests"].append(request("r1")), "requests[1].id"),
        (lambda d: d["requests"][0].update(colour="blue"), "requests[0].colour"),
        (lambda d: d["locations"][0]["hours"].update(mon=["12:00", "08:00"]), "locations[0].hours.mon[1]"),
        (lambda d: d["locations"][0]["hours"].update(mon=["8am", "12:00"]), "locations[0].hours.mon[0]"),
        (lambda d: d["locations"][0].update(chairs=[]), "locations[0].chairs"),
        (lambda d: d["locations"][0].pop("chairs_per_nurse"), "locations[0].chairs_per_nurse"),
        (lambda d: d["booked"].append(booked("2027-01-04T08:00", 60, chair="south-9")), "booked[0].chair"),
        (lambda d: d["booked"].append(booked("2027-01-04 08:00", 60)), "booked[0].start"),
        (lambda d: d.update(timezone="Mars/Olympus"), "timezone"),
        (lambda d: d.update(days=0), "days"),
        (lambda d: d.update(slot_minutes=True), "slot_minutes"),
        (lambda d: d.pop("requests"), "requests"),
    ],
)
def test_bad_instances_are_refused_naming_the_field(change, field):
    data = copy.deepcopy(make([request()]))
    change(data)
    with pytest.raises(InstanceError) as info:
        parse_instance(data)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")


def test_the_documented_examples_parse_and_solve_validly():
    for path in sorted(EXAMPLES.glob("*.json")):
        instance = parse_instance(json.loads(path.read_text()))
        assert check(instance, solve(instance, time_limit_seconds=5.0).to_json()) == [], path.name
