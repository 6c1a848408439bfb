"""The submission rules on their own: no database, a fixed clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ketacare.inquiries.domain.validation import (
    MAX_WINDOWS,
    ClinicRules,
    InquirySubmission,
    InvalidSubmission,
    WindowRequest,
    check_submission,
    format_received,
    format_window,
)

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
PORTLAND, BOSTON = 1, 2
RULES = ClinicRules(
    minimum_age_years=18,
    location_zones={PORTLAND: "America/Los_Angeles", BOSTON: "America/New_York"},
    default_zone="America/Los_Angeles",
    allowed_reasons=("depression", "anxiety", "ptsd", "suicidal_thoughts", "other"),
)


def window(day: str, start: str = "09:00", end: str = "12:00") -> WindowRequest:
    return WindowRequest(dt.date.fromisoformat(day), dt.time.fromisoformat(start), dt.time.fromisoformat(end))


def valid(**changes) -> InquirySubmission:
    values = {
        "first_name": " Robin ",
        "last_name": "Okafor",
        "date_of_birth": dt.date(1985, 3, 14),
        "phone": "(503) 555-0123",
        "email": "robin@example.org",
        "windows": (window("2026-07-15"),),
        "reasons": ("depression",),
        "consent_to_contact": True,
    }
    values.update(changes)
    return InquirySubmission(**values)


def errors_of(submission: InquirySubmission, rules: ClinicRules = RULES) -> dict[str, list[str]]:
    with pytest.raises(InvalidSubmission) as refused:
        check_submission(submission, rules, now=NOW)
    return refused.value.errors


def test_windows_are_read_in_local_time_and_stored_in_utc_across_daylight_saving():
    checked = check_submission(valid(windows=(window("2026-07-15"), window("2026-12-01"))), RULES, now=NOW)
    summer, winter = checked.windows
    # Los Angeles is UTC-7 in July (PDT) and UTC-8 in December (PST).
    assert summer.starts_at == dt.datetime(2026, 7, 15, 16, 0, tzinfo=dt.UTC)
    assert summer.ends_at == dt.datetime(2026, 7, 15, 19, 0, tzinfo=dt.UTC)
    assert winter.starts_at == dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)
    assert checked.time_zone == "America/Los_Angeles"


def test_the_preferred_location_decides_the_zone():
    checked = check_submission(valid(preferred_location_id=BOSTON, windows=(window("2026-12-01"),)), RULES, now=NOW)
    assert checked.windows[0].starts_at == dt.datetime(2026, 12, 1, 14, 0, tzinfo=dt.UTC)
    assert checked.time_zone == "America/New_York"


def test_a_valid_submission_is_trimmed_and_the_phone_normalised():
    checked = check_submission(valid(reason_other="Insomnia"), RULES, now=NOW)
    assert checked.first_name == "Robin"
    assert checked.phone == "+15035550123"
    # Text under "other" implies the "other" box.
    assert checked.reasons == ("depression", "other")


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"first_name": "  "}, "first_name", "first name"),
        ({"date_of_birth": None}, "date_of_birth", "Enter your date of birth"),
        ({"date_of_birth": dt.date(2026, 6, 2)}, "date_of_birth", "in the future"),
        ({"date_of_birth": dt.date(2008, 6, 2)}, "date_of_birth", "aged 18 and over"),
        ({"date_of_birth": dt.date(1890, 1, 1)}, "date_of_birth", "check the year"),
        ({"phone": "555-1234"}, "phone", "not a valid phone number"),
        ({"phone": "", "email": ""}, "email", "phone number or an email address"),
        ({"email": "robin at example"}, "email", "not a valid email"),
        ({"consent_to_contact": False}, "consent_to_contact", "Tick this box"),
        ({"preferred_location_id": 99}, "preferred_location_id", "one of this clinic's locations"),
        ({"reasons": ("astrology",)}, "reasons", "Unknown choice"),
        ({"reasons": ("other",)}, "reason_other", "tell us briefly"),
        ({"last_name": "x" * 101}, "last_name", "at most 100 characters"),
        ({"heard_about": "a\x00b"}, "heard_about", "not allowed"),
        ({"windows": ()}, "windows", "at least one"),
        ({"windows": (window("2026-07-15", "12:00", "09:00"),)}, "windows", "later than the from time"),
        ({"windows": (window("2026-07-15", "10:00", "10:00"),)}, "windows", "later than the from time"),
        ({"windows": (window("2026-05-31"),)}, "windows", "in the past"),
        ({"windows": (window("2026-06-01", "04:00", "05:00"),)}, "windows", "in the past"),  # 11:00 UTC
        ({"windows": (window("2027-06-15"),)}, "windows", "within the next 12 months"),
        ({"windows": (WindowRequest(dt.date(2026, 7, 1), None, dt.time(10)),)}, "windows", "a from time"),
        ({"windows": (window("2026-07-15"),) * (MAX_WINDOWS + 1)}, "windows", f"at most {MAX_WINDOWS}"),
    ],
)
def test_each_broken_rule_names_its_field(changes, field, words):
    errors = errors_of(valid(**changes))
    assert list(errors) == [field] or (field == "email" and set(errors) == {"phone", "email"})
    assert words in " ".join(errors[field])


def test_a_time_the_clocks_skip_is_refused():
    # 14 March 2027: Los Angeles clocks jump from 2:00 to 3:00.
    rules = ClinicRules(18, {}, "America/Los_Angeles", ("depression",))
    errors = errors_of(valid(windows=(window("2027-03-14", "02:30", "04:00"),)), rules=rules)
    assert "does not exist" in errors["windows"][0]


def test_window_errors_name_the_row():
    errors = errors_of(valid(windows=(window("2026-07-15"), window("2026-07-16", "12:00", "11:00"))))
    assert errors["windows"] == ["Time 2: the to time must be later than the from time."]


def test_every_broken_field_is_reported_at_once():
    errors = errors_of(InquirySubmission())
    assert {"first_name", "last_name", "date_of_birth", "phone", "email", "windows", "consent_to_contact"} <= set(
        errors
    )


def test_minimum_age_counts_whole_years_in_the_clinics_zone():
    eighteenth_birthday = dt.date(2008, 6, 1)
    # 1 June 12:00 UTC is already 1 June in Los Angeles: the birthday has come.
    assert check_submission(valid(date_of_birth=eighteenth_birthday), RULES, now=NOW)
    # At 02:00 UTC it is still 31 May in Los Angeles: one day short of 18.
    early = NOW.replace(hour=2)
    with pytest.raises(InvalidSubmission) as refused:
        check_submission(valid(date_of_birth=eighteenth_birthday), RULES, now=early)
    assert list(refused.value.errors) == ["date_of_birth"]


def test_format_window_shows_the_locations_wall_clock_and_zone():
    starts = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC)
    ends = dt.datetime(2026, 12, 1, 20, 0, tzinfo=dt.UTC)
    assert format_window(starts, ends, ZoneInfo("America/Los_Angeles")) == "Tue 1 Dec, 9:00–12:00 PST"
    assert format_window(starts, ends, ZoneInfo("America/New_York")) == "Tue 1 Dec, 12:00–15:00 EST"
    july = dt.datetime(2026, 7, 15, 16, 30, tzinfo=dt.UTC)
    two_hours = july + dt.timedelta(hours=2)
    assert format_window(july, two_hours, ZoneInfo("America/Los_Angeles")) == "Wed 15 Jul, 9:30–11:30 PDT"


@pytest.mark.parametrize(
    "moment, zone, shown",
    [
        (dt.datetime(2026, 12, 1, 17, 4, tzinfo=dt.UTC), "America/Los_Angeles", "Tue 1 Dec, 9:04 PST"),
        (dt.datetime(2026, 7, 15, 3, 30, tzinfo=dt.UTC), "America/Los_Angeles", "Tue 14 Jul, 20:30 PDT"),
        (dt.datetime(2026, 3, 8, 14, 0, tzinfo=dt.UTC), "America/New_York", "Sun 8 Mar, 10:00 EDT"),
        (dt.datetime(2026, 1, 2, 0, 5, tzinfo=dt.UTC), "UTC", "Fri 2 Jan, 0:05 UTC"),
    ],
)
def test_format_received_prints_the_inbox_clock_as_djangos_date_format_did(moment, zone, shown):
    assert format_received(moment, ZoneInfo(zone)) == shown
