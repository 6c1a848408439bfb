"""An independent check of a result against its instance: every rule of the exchange format.

`check(instance, result)` takes the result as the JSON-shaped dict of the format and returns the
broken rules as sentences (empty when the result is valid). It is written apart from the solver on
purpose - no shared timeline code - and checks moment by moment, so the tests and
`ketacare schedule check` compare two implementations rather than one with itself.
Overlaps or overloads among booked items alone are the instance's, not the result's, and are not
reported; every moment a scheduled session is in progress is.
"""

import datetime as dt
import itertools
from collections import defaultdict

from ketacare.scheduling.domain.instance import WEEKDAYS, Instance

DAY = 24 * 60


def _minutes(instance: Instance, moment: dt.datetime) -> int:
    return (moment.date() - instance.start_date).days * DAY + moment.hour * 60 + moment.minute


def check(instance: Instance, result: object) -> list[str]:
    problems: list[str] = []
    if (
        not isinstance(result, dict)
        or not isinstance(result.get("scheduled"), list)
        or not isinstance(result.get("unscheduled"), list)
    ):
        return ["result: must be an object with lists `scheduled` and `unscheduled`"]
    requests = {request.id: request for request in instance.requests}
    seen: dict[str, int] = defaultdict(int)
    for entry in result["unscheduled"]:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("id"), str)
            or not isinstance(entry.get("reason"), str)
        ):
            problems.append(f"unscheduled: entry {entry!r} needs a text `id` and `reason`")
            continue
        seen[entry["id"]] += 1
    # (location, chair) -> [(start, end, label)], label None for booked items
    by_chair: dict[tuple[str, str], list[tuple[int, int, str | None]]] = defaultdict(list)
    by_location: dict[str, list[tuple[int, int, str | None]]] = defaultdict(list)
    for item in instance.booked:
        start = _minutes(instance, item.start)
        by_chair[item.location, item.chair].append((start, start + item.minutes, None))
        by_location[item.location].append((start, start + item.minutes, None))

    for entry in result["scheduled"]:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("id"), str)
            or not isinstance(entry.get("location"), str)
            or not isinstance(entry.get("sessions"), list)
        ):
            problems.append(f"scheduled: entry {str(entry)[:80]} needs `id`, `location` and a list `sessions`")
            continue
        request_id = entry["id"]
        seen[request_id] += 1
        request = requests.get(request_id)
        if request is None:
            problems.append(f"{request_id}: no such request in the instance")
            continue
        location = instance.location_by_id.get(entry["location"])
        if location is None or location.id not in request.locations:
            problems.append(
                f"{request_id}: rule 2: location {entry['location']!r} is not one of {list(request.locations)}"
            )
            continue
        if len(entry["sessions"]) != request.sessions:
            problems.append(f"{request_id}: rule 1: {len(entry['sessions'])} sessions, not {request.sessions}")
        dates: list[dt.date] = []
        for index, session in enumerate(entry["sessions"]):
            label = f"{request_id} session {index + 1}"
            try:
                chair, start_text = session["chair"], session["start"]
                start_moment = dt.datetime.strptime(start_text, "%Y-%m-%dT%H:%M")
            except (TypeError, KeyError, ValueError):
                problems.append(f"{label}: needs `chair` and `start` YYYY-MM-DDTHH:MM, not {str(session)[:80]}")
                continue
            if chair not in location.chairs:
                problems.append(f"{label}: rule 2: chair {chair!r} is not at {location.id}")
            date, weekday = start_moment.date(), start_moment.weekday()
            dates.append(date)
            minute_of_day = start_moment.hour * 60 + start_moment.minute
            end_of_day = minute_of_day + request.session_minutes
            if minute_of_day % instance.slot_minutes:
                problems.append(f"{label}: rule 3: {start_text} is not on the {instance.slot_minutes}-minute grid")
            if not instance.start_date <= date < instance.start_date + dt.timedelta(days=instance.days):
                problems.append(f"{label}: rule 3: {date} is outside the horizon")
            if date in location.closed_dates:
                problems.append(f"{label}: rule 3: {location.id} is closed on {date}")
            hours = location.hours[weekday]
            # Hours end at 24:00 at the latest, so this also keeps the session within its date.
            if hours is None or not (hours.start_minute <= minute_of_day and end_of_day <= hours.end_minute):
                problems.append(
                    f"{label}: rule 3: {start_text} for {request.session_minutes} min is outside "
                    f"{location.id}'s hours on {WEEKDAYS[weekday]}"
                )
            if request.availability is not None and not any(
                weekday in a.weekdays and a.window.start_minute <= minute_of_day and end_of_day <= a.window.end_minute
                for a in request.availability
            ):
                problems.append(f"{label}: rule 3: {start_text} is outside the request's availability")
            begin = _minutes(instance, start_moment)
            by_chair[location.id, chair].append((begin, begin + request.session_minutes, label))
            by_location[location.id].append((begin, begin + request.session_minutes, label))
        if not dates:
            continue
        if len(set(dates)) != len(dates):
            problems.append(f"{request_id}: rule 4: more than one session on a date")
        ordered = sorted(dates)
        for previous, following in itertools.pairwise(ordered):
            if previous != following and (following - previous).days < request.min_days_between:
                problems.append(
                    f"{request_id}: rule 4: {previous} and {following} are less than "
                    f"{request.min_days_between} days apart"
                )
        if request.max_span_days is not None and (ordered[-1] - ordered[0]).days > request.max_span_days:
            problems.append(
                f"{request_id}: rule 4: {ordered[0]} to {ordered[-1]} spans more than {request.max_span_days} days"
            )
        if request.earliest_date and ordered[0] < request.earliest_date:
            problems.append(f"{request_id}: rule 5: first session {ordered[0]} is before {request.earliest_date}")
        if request.latest_start_date and ordered[0] > request.latest_start_date:
            problems.append(f"{request_id}: rule 5: first session {ordered[0]} is after {request.latest_start_date}")

    for request_id, count in seen.items():
        if count > 1:
            problems.append(f"{request_id}: appears {count} times in the result")
    for request in instance.requests:
        if request.id not in seen:
            problems.append(f"{request.id}: missing from the result")

    for (location_id, chair), items in by_chair.items():
        items.sort()
        for index, (_start, end, holder) in enumerate(items):
            for other_start, _other_end, other_holder in items[index + 1 :]:
                if other_start >= end:
                    break
                if holder or other_holder:
                    problems.append(
                        f"rule 6: chair {chair} at {location_id} holds {holder or 'a booked item'} "
                        f"and {other_holder or 'a booked item'} at once"
                    )

    for location_id, items in by_location.items():
        location = instance.location_by_id[location_id]
        by_day: dict[int, list[tuple[int, int, str | None]]] = defaultdict(list)
        for span in items:
            for day in range(span[0] // DAY, (span[1] - 1) // DAY + 1):
                by_day[day].append(span)
        for start, end, session_label in (span for span in items if span[2]):
            same_day = by_day[start // DAY]
            # The load can only rise where an item starts and capacity can only fall at a shift boundary.
            date = instance.start_date + dt.timedelta(days=start // DAY)
            midnight = start - start % DAY
            weekday = date.weekday()
            shifts = [shift for n in location.nurses if (shift := n.shifts[weekday]) is not None]
            points = {start}
            points.update(s for s, _, _ in same_day if start < s < end)
            points.update(midnight + w.end_minute for w in shifts if start < midnight + w.end_minute < end)
            for point in sorted(points):
                in_progress = sum(1 for s, e, _ in same_day if s <= point < e)
                minute = point - midnight
                capacity = location.chairs_per_nurse * sum(1 for w in shifts if w.start_minute <= minute < w.end_minute)
                if in_progress > capacity:
                    moment = instance.start_date + dt.timedelta(days=point // DAY)
                    problems.append(
                        f"{session_label}: rule 7: {in_progress} in progress at {location_id} on {moment} "
                        f"{minute // 60:02d}:{minute % 60:02d}, monitoring capacity {capacity}"
                    )
                    break
    return problems
