"""Deadlines of a theft or significant-loss report, and the retention period of records.

CLINICAL.md §6: written notice to the DEA Field Division within 1 business day of discovery;
DEA Form 106 within 45 days (rule effective 24 Jul 2023, 88 FR 40707). Records are kept at
least 2 years (21 CFR 1304.04(a)); states may require longer, so retention is a setting.
Business days here skip Saturdays and Sundays only; federal holidays are not modelled, so the
notice date can only be early, never late.
"""

import datetime as dt
from dataclasses import dataclass

WRITTEN_NOTICE_BUSINESS_DAYS = 1
FORM_106_DAYS = 45
RETENTION_YEARS_DEFAULT = 2


def add_business_days(day: dt.date, business_days: int) -> dt.date:
    while business_days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            business_days -= 1
    return day


@dataclass(frozen=True)
class ReportDeadlines:
    written_notice_due: dt.date
    form_106_due: dt.date


def report_deadlines(
    discovered_on: dt.date,
    *,
    notice_business_days: int = WRITTEN_NOTICE_BUSINESS_DAYS,
    form_106_days: int = FORM_106_DAYS,
) -> ReportDeadlines:
    return ReportDeadlines(
        written_notice_due=add_business_days(discovered_on, notice_business_days),
        form_106_due=discovered_on + dt.timedelta(days=form_106_days),
    )


def deadline_state(due: dt.date, done: bool, today: dt.date, *, soon_days: int = 7) -> str:
    """ "done", "overdue", "due" (within soon_days) or "upcoming"."""
    if done:
        return "done"
    if today > due:
        return "overdue"
    if (due - today).days <= soon_days:
        return "due"
    return "upcoming"


def retention_until(recorded_on: dt.date, retention_years: int) -> dt.date:
    try:
        return recorded_on.replace(year=recorded_on.year + retention_years)
    except ValueError:  # 29 February
        return recorded_on.replace(year=recorded_on.year + retention_years, day=28)
