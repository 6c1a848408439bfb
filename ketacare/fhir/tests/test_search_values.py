"""Search values are parsed before any query runs: FHIR dates with prefixes, tokens, references, paging."""

import datetime as dt

import pytest

from ketacare.fhir.domain.outcome import searchset
from ketacare.fhir.domain.search import (
    MAX_COUNT,
    Cursor,
    SearchError,
    Token,
    parse_count,
    parse_cursor,
    parse_date,
    parse_reference,
    parse_token,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    "value, prefix, start, end",
    [
        ("2026-03-01", "eq", dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 3, 2, tzinfo=UTC)),
        ("ge2026-03", "ge", dt.datetime(2026, 3, 1, tzinfo=UTC), dt.datetime(2026, 4, 1, tzinfo=UTC)),
        ("lt2026-12", "lt", dt.datetime(2026, 12, 1, tzinfo=UTC), dt.datetime(2027, 1, 1, tzinfo=UTC)),
        ("2025", "eq", dt.datetime(2025, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 1, tzinfo=UTC)),
        (
            "gt2026-03-01T09:30:00-08:00",
            "gt",
            dt.datetime(2026, 3, 1, 17, 30, tzinfo=UTC),
            dt.datetime(2026, 3, 1, 17, 30, 1, tzinfo=UTC),
        ),
    ],
)
def test_dates_name_a_utc_interval(value, prefix, start, end):
    parsed = parse_date("date", value)
    assert (parsed.prefix, parsed.start, parsed.end) == (prefix, start, end)


@pytest.mark.parametrize("value", ["", "yesterday", "2026-13-01", "2026-02-30", "sa2026", "2026-03-01T10:00", "eq26"])
def test_bad_dates_name_the_parameter(value):
    with pytest.raises(SearchError) as error:
        parse_date("birthdate", value)
    assert error.value.parameter == "birthdate"


def test_tokens_and_references():
    assert parse_token("code", "http://loinc.org|44261-6") == Token("http://loinc.org", "44261-6")
    assert parse_token("code", "44261-6") == Token(None, "44261-6")
    assert parse_token("code", "|F33.2") == Token("", "F33.2")
    with pytest.raises(SearchError):
        parse_token("code", "http://loinc.org|")
    assert parse_reference("patient", "Patient/12", "Patient") == "12"
    assert parse_reference("patient", "https://example.org/fhir/Patient/12", "Patient") == "12"
    assert parse_reference("patient", "12", "Patient") == "12"
    for bad in ("Practitioner/12", "Patient/a b", ""):
        with pytest.raises(SearchError):
            parse_reference("patient", bad, "Patient")


def test_count_and_cursor():
    assert parse_count(None) == 50
    assert parse_count("5") == 5
    assert parse_count("100000") == MAX_COUNT
    for bad in ("0", "-1", "ten", "1.5", "²"):
        with pytest.raises(SearchError):
            parse_count(bad)
    assert parse_cursor(Cursor(2, 41).encode()) == Cursor(2, 41)
    assert parse_cursor(None) is None
    for bad in ("", "2", "a.b", "2.-1", "1.²"):
        with pytest.raises(SearchError):
            parse_cursor(bad)


def test_an_empty_searchset_has_no_empty_entry_array():
    bundle = searchset("https://x/fhir/Patient", [], "https://x/fhir/", None)
    assert "entry" not in bundle and bundle["link"] == [{"relation": "self", "url": "https://x/fhir/Patient"}]
