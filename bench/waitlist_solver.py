"""Benchmark: the waitlist solver against first fit, and the single-course booking latency.

    python bench/waitlist_solver.py [--sizes 50,200,500] [--time-limit 15] [--seed 7] [--latency 40]

(b) For each size it generates a saturated instance (more requested sessions than chairs and
nurses can take; requests restricted to some locations and availability windows; some chairs
already booked), runs first fit and `solve`, checks both results with check.py and prints the
courses started and the time taken.
(a) It then times `solve` for ONE 6-session request at a network of 20 locations × 6 chairs with
8 weeks already booked (as the in-app whole-course booking calls it), parse included, and prints p50
and p95. No database and no Django: the pure domain only.
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ketacare.scheduling.domain.check import check  # noqa: E402
from ketacare.scheduling.domain.first_fit import first_fit  # noqa: E402
from ketacare.scheduling.domain.instance import WEEKDAYS, parse_instance  # noqa: E402
from ketacare.scheduling.domain.solver import solve  # noqa: E402

START = dt.date(2027, 1, 4)  # a Monday
WEEKDAY_HOURS = ["08:00", "18:00"]
HALF_DAYS = [("08:00", "13:00"), ("12:00", "18:00"), ("08:00", "18:00")]


def _location(rng: random.Random, index: int, chairs: int, days: int) -> dict:
    hours = dict.fromkeys(WEEKDAYS[:5], WEEKDAY_HOURS)
    if rng.random() < 0.5:
        hours["sat"] = ["09:00", "13:00"]
    nurses = [
        {"id": f"L{index}-early", "shifts": {day: ["08:00", "14:00"] for day in WEEKDAYS[:6]}},
        {"id": f"L{index}-late", "shifts": {day: ["12:00", "18:00"] for day in WEEKDAYS[:5]}},
    ]
    if chairs > 4:
        nurses.append({"id": f"L{index}-mid", "shifts": {day: ["09:00", "17:00"] for day in WEEKDAYS[:5]}})
    closed = [str(START + dt.timedelta(days=rng.randrange(days)))]
    return {
        "id": f"L{index}",
        "chairs": [f"L{index}-{c + 1}" for c in range(chairs)],
        "hours": hours,
        "closed_dates": closed,
        "nurses": nurses,
        "chairs_per_nurse": 2,
    }


def _booked(rng: random.Random, locations: list[dict], days: int, per_chair_day: float) -> list[dict]:
    """About `per_chair_day` appointments per chair and weekday (colliding ones dropped)."""
    booked = []
    for location in locations:
        for day in range(days):
            date = START + dt.timedelta(days=day)
            if date.weekday() >= 5:
                continue
            for chair in location["chairs"]:
                for _ in range(int(per_chair_day) + (rng.random() < per_chair_day % 1)):
                    minute = 8 * 60 + 15 * rng.randrange(0, 28)
                    booked.append(
                        {
                            "location": location["id"],
                            "chair": chair,
                            "start": f"{date}T{minute // 60:02d}:{minute % 60:02d}",
                            "minutes": rng.choice([40, 60, 100]),
                        }
                    )
    return _keep_within_capacity(booked, locations)


def _keep_within_capacity(booked: list[dict], locations: list[dict]) -> list[dict]:
    """Drop generated booked items that would collide on a chair (a real calendar has none)."""
    kept, taken = [], {}
    for item in booked:
        start = dt.datetime.fromisoformat(item["start"])
        end = start + dt.timedelta(minutes=item["minutes"])
        key = (item["location"], item["chair"])
        if all(end <= s or start >= e for s, e in taken.get(key, [])):
            taken.setdefault(key, []).append((start, end))
            kept.append(item)
    return kept


def waitlist_instance(requests: int, seed: int) -> dict:
    rng = random.Random(seed)
    days = 28
    locations = [_location(rng, index, 4, days) for index in range(max(1, requests // 40))]
    ids = [location["id"] for location in locations]
    items = []
    for index in range(requests):
        earliest = rng.randrange(0, 8)
        availability = None
        if rng.random() < 0.7:
            availability = []
            for _ in range(rng.randint(1, 2)):
                start, end = rng.choice(HALF_DAYS)
                availability.append({"days": rng.sample(WEEKDAYS[:6], rng.randint(3, 5)), "from": start, "to": end})
        items.append(
            {
                "id": f"patient-{index + 1:03d}",
                "sessions": 6,
                "session_minutes": rng.choice([100, 100, 120, 60]),
                "min_days_between": rng.choice([1, 1, 2]),
                "max_span_days": rng.choice([14, 18, 21]),
                "earliest_date": str(START + dt.timedelta(days=earliest)),
                "latest_start_date": str(START + dt.timedelta(days=earliest + rng.choice([3, 7, 10]))),
                "locations": rng.sample(ids, min(len(ids), rng.choice([1, 1, 2, 3]))),
                **({"availability": availability} if availability is not None else {}),
            }
        )
    return {
        "timezone": "America/Chicago",
        "start_date": str(START),
        "days": days,
        "slot_minutes": 15,
        "locations": locations,
        "booked": _booked(rng, locations, days, 0.3),
        "requests": items,
    }


def network_instance(seed: int) -> dict:
    """20 locations × 6 chairs, 8 weeks booked (about three appointments per chair a weekday), one 6-session
    request that may use any of the 20 locations."""
    rng = random.Random(seed)
    days = 56
    locations = [_location(rng, index, 6, days) for index in range(20)]
    request = {
        "id": "new-course",
        "sessions": 6,
        "session_minutes": 100,
        "min_days_between": 1,
        "max_span_days": 21,
        "earliest_date": str(START + dt.timedelta(days=rng.randrange(0, 14))),
        "locations": [location["id"] for location in locations],
        "availability": [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "08:00", "to": "18:00"}],
    }
    return {
        "timezone": "America/Chicago",
        "start_date": str(START),
        "days": days,
        "slot_minutes": 15,
        "locations": locations,
        "booked": _booked(rng, locations, days, 3.0),
        "requests": [request],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50,200,500")
    parser.add_argument("--time-limit", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--latency", type=int, default=40, help="single-request solves to time")
    args = parser.parse_args()

    print("(b) waitlist: courses started (first fit -> CP-SAT), time")
    for size in (int(part) for part in args.sizes.split(",") if part):
        data = waitlist_instance(size, args.seed)
        instance = parse_instance(data)
        began = time.perf_counter()
        baseline = first_fit(instance)
        first_fit_seconds = time.perf_counter() - began
        began = time.perf_counter()
        result = solve(instance, time_limit_seconds=args.time_limit)
        solve_seconds = time.perf_counter() - began
        problems = check(instance, baseline.to_json()) + check(instance, result.to_json())
        gain = 100.0 * (len(result.scheduled) - len(baseline.scheduled)) / max(1, len(baseline.scheduled))
        sessions = sum(r["sessions"] for r in data["requests"])
        print(
            f"  {size:4d} requests ({sessions} sessions, {len(instance.locations)} locations, "
            f"{len(instance.booked)} booked): first fit {len(baseline.scheduled)} in {first_fit_seconds:.2f} s, "
            f"solve {len(result.scheduled)} ({gain:+.1f}%) in {solve_seconds:.2f} s [{result.method}]; "
            f"check: {'valid' if not problems else problems[:3]}"
        )

    print("(a) one 6-session course, 20 locations x 6 chairs, 8 weeks booked: parse + solve")
    wall, cpu = [], []
    for run in range(args.latency):
        data = network_instance(args.seed + run)
        began, began_cpu = time.perf_counter(), time.process_time()
        instance = parse_instance(data)
        result = solve(instance)
        wall.append(1000 * (time.perf_counter() - began))
        cpu.append(1000 * (time.process_time() - began_cpu))
        problems = check(instance, result.to_json())
        if problems or not result.scheduled:
            print("  invalid or unscheduled:", problems[:3], result.unscheduled)
    if wall:
        print(
            f"  {len(data['booked'])} booked items, {args.latency} solves: wall p50 {_percentile(wall, 50):.1f} ms, "
            f"p95 {_percentile(wall, 95):.1f} ms; CPU p50 {_percentile(cpu, 50):.1f} ms, p95 {_percentile(cpu, 95):.1f} ms "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )


def _percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))]


if __name__ == "__main__":
    main()
