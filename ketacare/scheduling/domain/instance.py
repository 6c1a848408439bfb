"""A course-scheduling instance (the exchange format of ../shared/scheduling-instance.md, docs/scheduling.md).

`parse_instance(data)` reads the JSON-shaped dict into frozen dataclasses and refuses anything it
cannot honour with `InstanceError(field, message)`, the field written as a path
(`requests[3].sessions`, list indices from 0). Unknown fields are refused so that a misspelt
constraint cannot silently drop out.

Every time is local wall-clock time of the instance's `timezone`; inside the domain a moment is a
whole number of minutes since midnight at the start of `start_date` ("horizon minutes").
"""

import datetime as dt
import math
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# Limits keep a hostile file from asking for an unbounded model.
MAX_DAYS = 366
MAX_SESSIONS = 60
MAX_ITEMS = 200_000

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^(\d{2}):(\d{2})$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
T = TypeVar("T")


class InstanceError(ValueError):
    """An instance that cannot be solved as given; `field` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Window:
    """Minutes from midnight, [start_minute, end_minute)."""

    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class Nurse:
    id: str
    shifts: tuple[Window | None, ...]  # indexed by weekday, Monday = 0


@dataclass(frozen=True)
class Location:
    id: str
    chairs: tuple[str, ...]
    hours: tuple[Window | None, ...]  # indexed by weekday, Monday = 0; None = closed
    closed_dates: frozenset[dt.date]
    nurses: tuple[Nurse, ...]
    chairs_per_nurse: int


@dataclass(frozen=True)
class Booked:
    location: str
    chair: str
    start: dt.datetime
    minutes: int


@dataclass(frozen=True)
class Availability:
    weekdays: frozenset[int]
    window: Window


@dataclass(frozen=True)
class Request:
    id: str
    sessions: int
    session_minutes: int
    min_days_between: int
    max_span_days: int | None
    earliest_date: dt.date | None
    latest_start_date: dt.date | None
    locations: tuple[str, ...]
    availability: tuple[Availability, ...] | None  # None: any time the location is open

    @property
    def day_gap(self) -> int:
        """Days between consecutive sessions: at least one, as a request has one session per date at most."""
        return max(1, self.min_days_between)


@dataclass(frozen=True)
class Instance:
    timezone: str
    start_date: dt.date
    days: int
    slot_minutes: int
    locations: tuple[Location, ...]
    booked: tuple[Booked, ...]
    requests: tuple[Request, ...]
    location_by_id: dict[str, Location] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "location_by_id", {location.id: location for location in self.locations})

    def date_of(self, day: int) -> dt.date:
        return self.start_date + dt.timedelta(days=day)

    def day_of(self, date: dt.date) -> int:
        return (date - self.start_date).days

    def minute_of(self, moment: dt.datetime) -> int:
        """Horizon minutes of a naive local datetime."""
        return (moment.date() - self.start_date).days * MINUTES_PER_DAY + moment.hour * 60 + moment.minute

    def moment_of(self, minute: int) -> dt.datetime:
        return dt.datetime.combine(self.start_date, dt.time()) + dt.timedelta(minutes=minute)

    def weekday_of(self, day: int) -> int:
        return (self.start_date.weekday() + day) % 7

    def session_days(self, request: Request) -> tuple[int, int]:
        """The first and last horizon day on which any session of `request` may fall."""
        first = 0 if request.earliest_date is None else max(0, self.day_of(request.earliest_date))
        last = self.days - 1
        if request.latest_start_date is not None and request.max_span_days is not None:
            last = min(last, self.day_of(request.latest_start_date) + request.max_span_days)
        return first, last

    def with_requests(self, requests: tuple[Request, ...], booked: tuple[Booked, ...] | None = None) -> "Instance":
        return Instance(
            self.timezone,
            self.start_date,
            self.days,
            self.slot_minutes,
            self.locations,
            self.booked if booked is None else booked,
            requests,
        )


# --- reading -------------------------------------------------------------------------------------------


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _object(value: object, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, object]:
    if not isinstance(value, dict):
        raise InstanceError(path or "(top level)", "must be an object")
    for key in value:
        if key not in required and key not in optional:
            raise InstanceError(_at(path, str(key)), f"unknown field (expected: {', '.join(required + optional)})")
    for key in required:
        if key not in value:
            raise InstanceError(_at(path, key), "is required")
    return value


def _whole(value: object, path: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InstanceError(path, "must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise InstanceError(path, "must be a whole number")
        value = int(value)
    if not low <= value <= high:
        raise InstanceError(path, f"must be from {low} to {high}, not {value}")
    return value


def _text(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InstanceError(path, "must be a non-empty text")
    return value


def _date(value: object, path: str) -> dt.date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise InstanceError(path, "must be a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InstanceError(path, f"must be a date YYYY-MM-DD ({value} does not exist)") from None


def _datetime(value: object, path: str) -> dt.datetime:
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise InstanceError(path, "must be a local date and time YYYY-MM-DDTHH:MM")
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise InstanceError(path, f"must be a local date and time YYYY-MM-DDTHH:MM ({value} does not exist)") from None


def _minute_of_day(value: object, path: str, *, end: bool) -> int:
    match = _TIME.match(value) if isinstance(value, str) else None
    if match:
        hours, minutes = int(match[1]), int(match[2])
        if minutes < 60 and (hours < 24 or (end and hours == 24 and minutes == 0)):
            return hours * 60 + minutes
    raise InstanceError(path, "must be a time HH:MM" + (" (24:00 for midnight at the end)" if end else ""))


def _window(value: object, path: str) -> Window:
    if not isinstance(value, list) or len(value) != 2:
        raise InstanceError(path, 'must be ["HH:MM", "HH:MM"]')
    return _window_from(value[0], value[1], _at(path, 0), _at(path, 1))


def _window_from(start: object, end: object, start_path: str, end_path: str) -> Window:
    window = Window(_minute_of_day(start, start_path, end=False), _minute_of_day(end, end_path, end=True))
    if window.end_minute <= window.start_minute:
        raise InstanceError(end_path, "must be after the start time")
    return window


def _list(value: object, path: str, item: Callable[[object, str], T], *, non_empty: bool = False) -> tuple[T, ...]:
    if not isinstance(value, list):
        raise InstanceError(path, "must be a list")
    if non_empty and not value:
        raise InstanceError(path, "must not be empty")
    if len(value) > MAX_ITEMS:
        raise InstanceError(path, f"has more than {MAX_ITEMS} entries")
    return tuple(item(element, _at(path, index)) for index, element in enumerate(value))


def _booked_list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise InstanceError("booked", "must be a list")
    if len(value) > MAX_ITEMS:
        raise InstanceError("booked", f"has more than {MAX_ITEMS} entries")
    return value


def _unique(values: tuple[str, ...], path: str, what: str, key: str | None = None) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            where = _at(path, index) if key is None else _at(_at(path, index), key)
            raise InstanceError(where, f"{what} {value!r} appears more than once")
        seen.add(value)


def _weekly(value: object, path: str) -> tuple[Window | None, ...]:
    data = _object(value, path, (), WEEKDAYS)
    return tuple(_window(data[day], _at(path, day)) if day in data else None for day in WEEKDAYS)


def _weekday(value: object, path: str) -> int:
    if value not in WEEKDAYS:
        raise InstanceError(path, f"must be one of: {', '.join(WEEKDAYS)}")
    return WEEKDAYS.index(value)


def _nurse(value: object, path: str) -> Nurse:
    data = _object(value, path, ("id", "shifts"))
    return Nurse(_text(data["id"], _at(path, "id")), _weekly(data["shifts"], _at(path, "shifts")))


def _location(value: object, path: str) -> Location:
    data = _object(value, path, ("id", "chairs", "hours", "nurses", "chairs_per_nurse"), ("closed_dates",))
    chairs = _list(data["chairs"], _at(path, "chairs"), _text, non_empty=True)
    _unique(chairs, _at(path, "chairs"), "chair")
    nurses = _list(data["nurses"], _at(path, "nurses"), _nurse)
    _unique(tuple(nurse.id for nurse in nurses), _at(path, "nurses"), "nurse", "id")
    return Location(
        id=_text(data["id"], _at(path, "id")),
        chairs=chairs,
        hours=_weekly(data["hours"], _at(path, "hours")),
        closed_dates=frozenset(_list(data.get("closed_dates", []), _at(path, "closed_dates"), _date)),
        nurses=nurses,
        chairs_per_nurse=_whole(data["chairs_per_nurse"], _at(path, "chairs_per_nurse"), 1, 100),
    )


def _availability(value: object, path: str) -> Availability:
    data = _object(value, path, ("days", "from", "to"))
    weekdays = _list(data["days"], _at(path, "days"), _weekday, non_empty=True)
    return Availability(frozenset(weekdays), _window_from(data["from"], data["to"], _at(path, "from"), _at(path, "to")))


def _request(value: object, path: str, location_ids: set[str]) -> Request:
    data = _object(
        value,
        path,
        ("id", "sessions", "session_minutes", "locations"),
        ("min_days_between", "max_span_days", "earliest_date", "latest_start_date", "availability"),
    )
    locations = _list(data["locations"], _at(path, "locations"), _text, non_empty=True)
    for index, location in enumerate(locations):
        if location not in location_ids:
            raise InstanceError(_at(_at(path, "locations"), index), f"unknown location {location!r}")
    _unique(locations, _at(path, "locations"), "location")

    def optional(key: str, read: Callable[[object, str], T]) -> T | None:
        return None if data.get(key) is None else read(data[key], _at(path, key))

    request = Request(
        id=_text(data["id"], _at(path, "id")),
        sessions=_whole(data["sessions"], _at(path, "sessions"), 1, MAX_SESSIONS),
        session_minutes=_whole(data["session_minutes"], _at(path, "session_minutes"), 1, MINUTES_PER_DAY),
        min_days_between=optional("min_days_between", lambda v, p: _whole(v, p, 0, MAX_DAYS)) or 0,
        max_span_days=optional("max_span_days", lambda v, p: _whole(v, p, 0, 10 * MAX_DAYS)),
        earliest_date=optional("earliest_date", _date),
        latest_start_date=optional("latest_start_date", _date),
        locations=locations,
        availability=optional("availability", lambda v, p: _list(v, p, _availability)),
    )
    if request.earliest_date and request.latest_start_date and request.latest_start_date < request.earliest_date:
        raise InstanceError(_at(path, "latest_start_date"), "must not be before earliest_date")
    return request


def _booked(value: object, index: int, locations: dict[str, Location]) -> Booked:
    # The in-app booking passes every existing appointment: take well-formed items on a fast path and
    # build field paths only to explain a bad one.
    if isinstance(value, dict) and len(value) == 4:
        location, chair, start, minutes = (
            value.get("location"),
            value.get("chair"),
            value.get("start"),
            value.get("minutes"),
        )
        if (
            isinstance(location, str)
            and location in locations
            and chair in locations[location].chairs
            and type(minutes) is int
            and 1 <= minutes <= MAX_DAYS * MINUTES_PER_DAY
            and isinstance(start, str)
            and _DATETIME.match(start)
        ):
            try:
                return Booked(location, chair, dt.datetime.fromisoformat(start), minutes)
            except ValueError:
                pass
    return _booked_checked(value, f"booked[{index}]", locations)


def _booked_checked(value: object, path: str, locations: dict[str, Location]) -> Booked:
    data = _object(value, path, ("location", "chair", "start", "minutes"))
    location = _text(data["location"], _at(path, "location"))
    if location not in locations:
        raise InstanceError(_at(path, "location"), f"unknown location {location!r}")
    chair = _text(data["chair"], _at(path, "chair"))
    if chair not in locations[location].chairs:
        raise InstanceError(_at(path, "chair"), f"{chair!r} is not a chair of {location!r}")
    return Booked(
        location,
        chair,
        _datetime(data["start"], _at(path, "start")),
        _whole(data["minutes"], _at(path, "minutes"), 1, MAX_DAYS * MINUTES_PER_DAY),
    )


def parse_instance(data: object) -> Instance:
    """Read an instance dict (parsed JSON); raises InstanceError naming the first bad field."""
    top = _object(data, "", ("timezone", "start_date", "days", "slot_minutes", "locations", "requests"), ("booked",))
    timezone = _text(top["timezone"], "timezone")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InstanceError(
            "timezone", f"unknown time zone {timezone!r} (use an IANA name like America/Chicago)"
        ) from None
    locations = _list(top["locations"], "locations", _location, non_empty=True)
    _unique(tuple(location.id for location in locations), "locations", "location", "id")
    by_id = {location.id: location for location in locations}
    requests = _list(top["requests"], "requests", lambda v, p: _request(v, p, set(by_id)))
    _unique(tuple(request.id for request in requests), "requests", "request", "id")
    return Instance(
        timezone=timezone,
        start_date=_date(top["start_date"], "start_date"),
        days=_whole(top["days"], "days", 1, MAX_DAYS),
        slot_minutes=_whole(top["slot_minutes"], "slot_minutes", 1, MINUTES_PER_DAY),
        locations=locations,
        booked=tuple(_booked(item, index, by_id) for index, item in enumerate(_booked_list(top.get("booked", [])))),
        requests=requests,
    )
