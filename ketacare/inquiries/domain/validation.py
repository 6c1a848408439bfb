"""The rules a consultation request must meet, shared by the public page and the API.

Pure Python, no Django: the page's form and the API's schema only turn text
into dates, times and lists; everything a person can get wrong is decided
here, with one message per field in plain words. The action in
inquiries/actions.py feeds the organisation's settings in and turns
InvalidSubmission into a Django ValidationError. Dates of birth and phone
numbers use the patient registry's own rules, so a request that passes can
always be converted into a patient.
"""

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from ketacare.lib.phones import normalise_phone
from ketacare.patients.domain.demographics import age_on, date_of_birth_problem

MAX_WINDOWS = 5
# Requests are for a first consultation soon; a date further out is a typo, and
# far-future dates would overflow time zone conversion.
MAX_DAYS_AHEAD = 365
# Match the model's column sizes (inquiries/models.py).
NAME_MAX_CHARS = 100
EMAIL_MAX_CHARS = 254
SHORT_TEXT_MAX_CHARS = 200
LONG_TEXT_MAX_CHARS = 2000
OTHER_REASON = "other"

# Deliberately loose: the model's EmailField is the strict check; this only
# catches what is plainly not an address, so every field is judged in one pass.
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class WindowRequest:
    """A day and a from/to time as the person typed them, in the location's local time."""

    date: dt.date | None
    start_time: dt.time | None
    end_time: dt.time | None

    @property
    def is_blank(self) -> bool:
        return self.date is None and self.start_time is None and self.end_time is None


@dataclass(frozen=True)
class InquirySubmission:
    """What a requester sent, already parsed from text by the page or the API."""

    first_name: str = ""
    last_name: str = ""
    date_of_birth: dt.date | None = None
    phone: str = ""
    email: str = ""
    preferred_location_id: int | None = None
    windows: tuple[WindowRequest, ...] = ()
    reasons: tuple[str, ...] = ()
    reason_other: str = ""
    current_treatment: str = ""
    heard_about: str = ""
    consent_to_contact: bool = False
    # Honeypot: a field people never see. Anything in it means a bot.
    website: str = ""

    @property
    def is_bot(self) -> bool:
        return bool(self.website.strip())


@dataclass(frozen=True)
class Window:
    starts_at: dt.datetime  # aware, UTC
    ends_at: dt.datetime  # aware, UTC


@dataclass(frozen=True)
class CheckedSubmission:
    """A submission that met every rule: trimmed text, E.164 phone, windows in UTC."""

    first_name: str
    last_name: str
    date_of_birth: dt.date
    phone: str
    email: str
    preferred_location_id: int | None
    time_zone: str
    windows: tuple[Window, ...]
    reasons: tuple[str, ...]
    reason_other: str
    current_treatment: str
    heard_about: str


@dataclass
class InvalidSubmission(Exception):
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ClinicRules:
    """What the organisation decides: who it sees, where, and in which time zones."""

    minimum_age_years: int
    # Active locations the person may choose: id -> IANA time zone.
    location_zones: Mapping[int, str]
    # The zone windows are read in when no location is chosen.
    default_zone: str
    allowed_reasons: Collection[str]


def window_in_utc(day: dt.date, start: dt.time, end: dt.time, zone: ZoneInfo) -> Window:
    """The local day and times as a UTC window; ValueError for a time the clocks skip."""
    local_start = dt.datetime.combine(day, start, tzinfo=zone)
    local_end = dt.datetime.combine(day, end, tzinfo=zone)
    for local in (local_start, local_end):
        # A wall time in the spring-forward gap does not survive the round trip.
        if local.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
            raise ValueError(local)
    return Window(local_start.astimezone(dt.UTC), local_end.astimezone(dt.UTC))


def format_received(moment: dt.datetime, zone: ZoneInfo) -> str:
    """'Tue 1 Dec, 9:04 PST': when a request arrived, as the inbox's clock shows it (what Django's
    `|date:"D j M, G:i T"` prints, at a tenth of its cost per row: issue 19)."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}, {local.hour}:{local.minute:02d} {local.tzname()}"


def format_window(starts_at: dt.datetime, ends_at: dt.datetime, zone: ZoneInfo) -> str:
    """'Tue 1 Dec, 9:00–12:00 PST': a stored window as the location's wall clock shows it."""
    start = starts_at.astimezone(zone)
    end = ends_at.astimezone(zone)
    return (
        f"{start:%a} {start.day} {start:%b}, {start.hour}:{start.minute:02d}"
        f"–{end.hour}:{end.minute:02d} {start.tzname()}"
    )


def check_submission(submission: InquirySubmission, rules: ClinicRules, *, now: dt.datetime) -> CheckedSubmission:
    """Apply every rule; raise InvalidSubmission naming each field that is wrong."""
    errors: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    texts = {
        "first_name": (submission.first_name, NAME_MAX_CHARS),
        "last_name": (submission.last_name, NAME_MAX_CHARS),
        "phone": (submission.phone, SHORT_TEXT_MAX_CHARS),
        "email": (submission.email, EMAIL_MAX_CHARS),
        "reason_other": (submission.reason_other, SHORT_TEXT_MAX_CHARS),
        "current_treatment": (submission.current_treatment, LONG_TEXT_MAX_CHARS),
        "heard_about": (submission.heard_about, SHORT_TEXT_MAX_CHARS),
    }
    clean: dict[str, str] = {}
    for name, (value, limit) in texts.items():
        value = value.strip()
        if "\x00" in value:
            # PostgreSQL cannot store NUL characters in text.
            refuse(name, "This contains a character that is not allowed.")
        elif len(value) > limit:
            refuse(name, f"Use at most {limit} characters (this has {len(value)}).")
        clean[name] = value

    if not clean["first_name"] and "first_name" not in errors:
        refuse("first_name", "Enter your first name.")
    if not clean["last_name"] and "last_name" not in errors:
        refuse("last_name", "Enter your last name.")

    location_id = submission.preferred_location_id
    zone_name = rules.default_zone
    if location_id is not None:
        if location_id in rules.location_zones:
            zone_name = rules.location_zones[location_id]
        else:
            refuse("preferred_location_id", "Choose one of this clinic's locations, or no preference.")
    zone = ZoneInfo(zone_name)
    today = now.astimezone(zone).date()

    dob = submission.date_of_birth
    if dob is None:
        refuse("date_of_birth", "Enter your date of birth.")
    elif problem := date_of_birth_problem(dob, today):
        # The registry's own rule, so a request that passes can become a patient.
        refuse("date_of_birth", problem)
    elif age_on(dob, today) < rules.minimum_age_years:
        refuse(
            "date_of_birth",
            f"This clinic sees people aged {rules.minimum_age_years} and over, so it cannot take this request.",
        )

    phone = ""
    if clean["phone"] and "phone" not in errors:
        try:
            phone = normalise_phone(clean["phone"])
        except ValueError:
            refuse("phone", "This is not a valid phone number. Include the area code, e.g. 503 555 0123.")
    if clean["email"] and "email" not in errors and not _EMAIL_SHAPE.match(clean["email"]):
        refuse("email", "This is not a valid email address, e.g. name@example.com.")
    if not clean["phone"] and not clean["email"]:
        message = "Give a phone number or an email address (or both) so the clinic can reach you."
        refuse("phone", message)
        refuse("email", message)

    windows = _check_windows(submission.windows, zone, now, refuse)

    reasons = set(submission.reasons)
    if clean["reason_other"]:
        reasons.add(OTHER_REASON)
    unknown = reasons - set(rules.allowed_reasons)
    if unknown:
        refuse("reasons", f"Unknown choice: {', '.join(sorted(unknown))}.")
    elif OTHER_REASON in reasons and not clean["reason_other"]:
        refuse("reason_other", "You ticked “other”: tell us briefly what you would like help with.")

    if not submission.consent_to_contact:
        refuse("consent_to_contact", "Tick this box so the clinic may contact you; without it we cannot reply.")

    if errors:
        raise InvalidSubmission(errors)
    assert dob is not None  # for the type checker: a missing date is an error above
    return CheckedSubmission(
        first_name=clean["first_name"],
        last_name=clean["last_name"],
        date_of_birth=dob,
        phone=phone,
        email=clean["email"],
        preferred_location_id=location_id,
        time_zone=zone_name,
        windows=windows,
        # In the order the clinic lists them, so lists read the same everywhere.
        reasons=tuple(reason for reason in rules.allowed_reasons if reason in reasons),
        reason_other=clean["reason_other"],
        current_treatment=clean["current_treatment"],
        heard_about=clean["heard_about"],
    )


def _check_windows(
    requested: Iterable[WindowRequest], zone: ZoneInfo, now: dt.datetime, refuse: Callable[[str, str], None]
) -> tuple[Window, ...]:
    rows = [(number, row) for number, row in enumerate(requested, start=1) if not row.is_blank]
    if not rows:
        refuse("windows", "Give at least one day and time that would suit you.")
        return ()
    if len(rows) > MAX_WINDOWS:
        refuse("windows", f"Give at most {MAX_WINDOWS} days and times.")
        return ()
    today = now.astimezone(zone).date()
    last_day = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    windows = []
    for number, row in rows:
        if row.date is None or row.start_time is None or row.end_time is None:
            refuse("windows", f"Time {number}: give a day, a from time and a to time.")
            continue
        if row.end_time <= row.start_time:
            refuse("windows", f"Time {number}: the to time must be later than the from time.")
            continue
        if row.date < today:
            refuse("windows", f"Time {number}: this day is in the past. Choose a later day.")
            continue
        if row.date > last_day:
            refuse("windows", f"Time {number}: choose a day within the next 12 months.")
            continue
        try:
            window = window_in_utc(row.date, row.start_time, row.end_time, zone)
        except ValueError:
            refuse(
                "windows",
                f"Time {number}: that time does not exist on that day (the clocks change). Choose another time.",
            )
            continue
        if window.starts_at <= now:
            refuse("windows", f"Time {number}: this is in the past. Choose a later day or time.")
            continue
        windows.append(window)
    return tuple(windows)
