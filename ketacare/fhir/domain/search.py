"""FHIR search parameter values (FHIR R4 §3.1.1 "Search"): parsed and checked before any query runs.

Pure rules so a bad value is refused with a message naming the parameter, never a database error.
"""

import datetime as dt
import re
from dataclasses import dataclass

DEFAULT_COUNT = 50
MAX_COUNT = 200
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
# FHIR date search values: a prefix, then YYYY, YYYY-MM, YYYY-MM-DD or a dateTime with a zone.
_DATE = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb)?(\d{4})(?:-(\d{2})(?:-(\d{2})(T[0-9:.]+(?:Z|[+-]\d{2}:\d{2}))?)?)?$")
DATE_PREFIXES = ("eq", "gt", "lt", "ge", "le")


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²', which int() refuses."""
    return text.isascii() and text.isdigit()


class SearchError(ValueError):
    """A search the server cannot run as asked: 400 with an OperationOutcome naming the parameter."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


def fhir_id(parameter: str, value: str) -> str:
    if not _ID.match(value):
        raise SearchError(parameter, f"{value!r} is not a FHIR id (1–64 letters, digits, '-' or '.')")
    return value


@dataclass(frozen=True)
class DateRange:
    """A date search value as the half-open UTC interval [start, end) it names, with its prefix."""

    prefix: str
    start: dt.datetime
    end: dt.datetime


def parse_date(parameter: str, value: str) -> DateRange:
    match = _DATE.match(value)
    if match is None:
        raise SearchError(parameter, f"{value!r} is not a date (e.g. 2026-03-01, ge2026-03, lt2026-03-01T12:00:00Z)")
    prefix, year, month, day, time = match.groups()
    prefix = prefix or "eq"
    if prefix not in DATE_PREFIXES:
        raise SearchError(parameter, f"the prefix {prefix!r} is not supported (use one of {', '.join(DATE_PREFIXES)})")
    try:
        if time:
            start = dt.datetime.fromisoformat(f"{year}-{month}-{day}{time}".replace("Z", "+00:00"))
            return DateRange(prefix, start.astimezone(dt.UTC), start.astimezone(dt.UTC) + dt.timedelta(seconds=1))
        if day:
            first = dt.date(int(year), int(month), int(day))
            following = first + dt.timedelta(days=1)
        elif month:
            first = dt.date(int(year), int(month), 1)
            following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
        else:
            first, following = dt.date(int(year), 1, 1), dt.date(int(year) + 1, 1, 1)
    except ValueError as exc:
        raise SearchError(parameter, f"{value!r} is not a real date ({exc})") from exc
    # A date without a time names the whole day (month, year) in UTC.
    return DateRange(
        prefix,
        dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC),
        dt.datetime.combine(following, dt.time(), tzinfo=dt.UTC),
    )


@dataclass(frozen=True)
class Token:
    system: str | None  # None: any system; "": no system
    code: str


def parse_token(parameter: str, value: str) -> Token:
    """`[system]|code` or `code` (FHIR token search)."""
    if "|" in value:
        system, _, code = value.partition("|")
        if not code:
            raise SearchError(parameter, f"{value!r} has no code after '|'")
        return Token(system, code)
    if not value:
        raise SearchError(parameter, "a value is required")
    return Token(None, value)


def parse_reference(parameter: str, value: str, resource_type: str) -> str:
    """`Patient/123` or `123` → the id; a reference to another type is refused."""
    kind, slash, identity = value.rpartition("/")
    if slash and kind.rsplit("/", 1)[-1] != resource_type:
        raise SearchError(parameter, f"{value!r} is not a reference to a {resource_type}")
    return fhir_id(parameter, identity if slash else value)


def parse_count(value: str | None) -> int:
    if value is None:
        return DEFAULT_COUNT
    if not is_number(value) or int(value) < 1:
        raise SearchError("_count", f"{value!r} is not a positive whole number")
    return min(int(value), MAX_COUNT)


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after row `key` of source number `source` (keyset paging)."""

    source: int
    key: int

    def encode(self) -> str:
        return f"{self.source}.{self.key}"


def parse_cursor(value: str | None) -> Cursor | None:
    if value is None:
        return None
    source, dot, key = value.partition(".")
    if not (dot and is_number(source) and is_number(key)):
        raise SearchError("_cursor", f"{value!r} is not a page cursor from a `next` link")
    return Cursor(int(source), int(key))
