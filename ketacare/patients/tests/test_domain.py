"""The registry's pure rules: no database."""

import datetime as dt

import pytest

from ketacare.lib.phones import normalise_phone
from ketacare.patients.domain.codes import normalise_icd10_cm
from ketacare.patients.domain.demographics import age_on, date_of_birth_problem
from ketacare.patients.domain.names import search_key
from ketacare.patients.domain.records import format_record_number, record_number_from_query
from ketacare.patients.domain.status import (
    DIAGNOSIS_TRANSITIONS,
    MEDICATION_TRANSITIONS,
    transition_problem,
)


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("f332", "F33.2"),
        ("F33.2", "F33.2"),
        (" f33.2 ", "F33.2"),
        ("F32A", "F32.A"),
        ("f43.10", "F43.10"),
        ("F33", "F33"),
        ("u071", "U07.1"),
        ("T40.991A", "T40.991A"),
    ],
)
def test_icd10_codes_are_normalised(typed, stored):
    assert normalise_icd10_cm(typed) == stored


@pytest.mark.parametrize("typed", ["", "33.2", "F3", "FF3.2", "F33.23456", "F33-2", "depression"])
def test_things_that_are_not_icd10_codes_are_refused(typed):
    with pytest.raises(ValueError, match="not an ICD-10-CM code"):
        normalise_icd10_cm(typed)


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("123", "KC-000123"),
        ("kc-123", "KC-000123"),
        ("KC-000123", "KC-000123"),
        ("kc123", "KC-000123"),
        ("000123", "KC-000123"),
        ("t-00001", "T-00001"),
    ],
)
def test_a_typed_record_number_means_the_stored_one(typed, stored):
    assert record_number_from_query(typed) == stored


def test_record_numbers_are_zero_padded():
    assert format_record_number(7) == "KC-000007"


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("(503) 555-0123", "+15035550123"),
        ("503.555.0123", "+15035550123"),
        ("+1 503 555 0123", "+15035550123"),
        ("+44 20 7946 0958", "+442079460958"),
        ("  ", ""),
    ],
)
def test_phone_numbers_are_stored_in_e164(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["123", "911", "call me", "+1 503 555 01234"])
def test_numbers_that_cannot_be_dialled_are_refused(typed):
    with pytest.raises(ValueError, match="phone number"):
        normalise_phone(typed)


def test_age_counts_completed_years():
    born = dt.date(1990, 6, 15)
    assert age_on(born, dt.date(2020, 6, 14)) == 29
    assert age_on(born, dt.date(2020, 6, 15)) == 30


def test_a_leap_day_birthday_comes_on_the_first_of_march():
    born = dt.date(2000, 2, 29)
    assert age_on(born, dt.date(2021, 2, 28)) == 20
    assert age_on(born, dt.date(2021, 3, 1)) == 21


def test_dates_of_birth_in_the_future_or_too_long_ago_are_refused():
    today = dt.date(2025, 5, 1)
    assert date_of_birth_problem(dt.date(2025, 5, 2), today) == "The date of birth cannot be in the future."
    assert "130 years" in date_of_birth_problem(dt.date(1894, 1, 1), today)
    assert date_of_birth_problem(dt.date(1980, 1, 1), today) is None


def test_status_transitions():
    assert transition_problem(DIAGNOSIS_TRANSITIONS, "active", "resolved") is None
    assert transition_problem(DIAGNOSIS_TRANSITIONS, "resolved", "active") is None
    assert transition_problem(DIAGNOSIS_TRANSITIONS, "active", "active") == "The entry already has this status."
    assert "cannot change" in transition_problem(DIAGNOSIS_TRANSITIONS, "entered_in_error", "active")
    assert transition_problem(MEDICATION_TRANSITIONS, "stopped", "active") == "A stopped entry cannot become active."
    assert transition_problem(MEDICATION_TRANSITIONS, "active", "paused") == "'paused' is not a status."


def test_search_keys_fold_case_and_accents():
    assert search_key("  Zoë O'Brien ") == "zoe obrien"
    assert search_key("ZOË") == search_key("zoe")
