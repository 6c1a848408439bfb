"""The days the demo clinic closes: the US federal holidays most clinics close on.

Dates by the rules of 5 U.S.C. 6103(a) (New Year's Day January 1, Memorial Day the last Monday in
May, Independence Day July 4, Labor Day the first Monday in September, Thanksgiving the fourth
Thursday in November, Christmas December 25), observed on the Friday before when they fall on a
Saturday and on the Monday after when they fall on a Sunday (Executive Order 11582; OPM, "Federal
Holidays"). The clinic's choice of which holidays close it is its own (the other federal holidays
stay open days here).
"""

import datetime as dt

SATURDAY, SUNDAY = 5, 6


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def _last_weekday(year: int, month: int, weekday: int) -> dt.date:
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    if day.weekday() == SATURDAY:
        return day - dt.timedelta(days=1)
    if day.weekday() == SUNDAY:
        return day + dt.timedelta(days=1)
    return day


def clinic_holidays(year: int) -> list[tuple[dt.date, str]]:
    """(observed date, name) of the year's closing holidays, in date order."""
    monday, thursday = 0, 3
    return [
        (_observed(dt.date(year, 1, 1)), "New Year's Day"),
        (_last_weekday(year, 5, monday), "Memorial Day"),
        (_observed(dt.date(year, 7, 4)), "Independence Day"),
        (_nth_weekday(year, 9, monday, 1), "Labor Day"),
        (_nth_weekday(year, 11, thursday, 4), "Thanksgiving Day"),
        (_observed(dt.date(year, 12, 25)), "Christmas Day"),
    ]


def holidays_between(first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
    """The closing holidays from `first` to `last`, both included."""
    return [
        (day, name)
        for year in range(first.year, last.year + 1)
        for day, name in clinic_holidays(year)
        if first <= day <= last
    ]
