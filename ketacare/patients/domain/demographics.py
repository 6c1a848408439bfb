"""Dates of birth and ages."""

import datetime as dt

# Older than any living person: a date before this is a typing error.
MAX_AGE_YEARS = 130


def age_on(date_of_birth: dt.date, today: dt.date) -> int:
    """Completed years on `today` (someone born on 29 February turns a year older on 1 March)."""
    had_birthday = (today.month, today.day) >= (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - (0 if had_birthday else 1)


def date_of_birth_problem(date_of_birth: dt.date, today: dt.date) -> str | None:
    """Why a date of birth cannot be right, or None."""
    if date_of_birth > today:
        return "The date of birth cannot be in the future."
    if age_on(date_of_birth, today) > MAX_AGE_YEARS:
        return f"The date of birth is more than {MAX_AGE_YEARS} years ago; check the year."
    return None
