"""Planned course windows: when each induction session of a protocol may take place.

Session i (0-based) may be no earlier than the densest schedule allows (sessions_per_week_max,
and min_days_between after the earliest date of the one before) and no later than the sparsest
(sessions_per_week_min), and the whole course fits in induction_window_days. For IV ketamine,
6 sessions at 2–3 a week within 21 days (Murrough 2013: 3×/week; ELEKT-D: 2×/week; CLINICAL.md §1)
gives day offsets 0, 2–3, 4–7, 7–10, 9–14, 11–17.
"""

import datetime as dt
from dataclasses import dataclass

from ketacare.protocols.domain.errors import ProtocolRuleError

DAYS_PER_WEEK = 7


class CourseError(ProtocolRuleError):
    """An induction schedule that is impossible or cannot fit its window."""


@dataclass(frozen=True)
class InductionSchedule:
    session_count: int
    window_days: int
    sessions_per_week_min: int
    sessions_per_week_max: int
    min_days_between: int = 1

    def __post_init__(self) -> None:
        for name in (
            "session_count",
            "window_days",
            "sessions_per_week_min",
            "sessions_per_week_max",
            "min_days_between",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise CourseError(name, f"must be a whole number of at least 1, not {value!r}")
        if self.sessions_per_week_max > DAYS_PER_WEEK:
            raise CourseError("sessions_per_week_max", "cannot be more than 7")
        if self.sessions_per_week_min > self.sessions_per_week_max:
            raise CourseError("sessions_per_week_min", "cannot be more than the maximum per week")


@dataclass(frozen=True)
class SessionWindow:
    sequence: int  # 1-based
    window_start: dt.date
    window_end: dt.date


def earliest_offsets_days(schedule: InductionSchedule) -> list[int]:
    offsets: list[int] = []
    for i in range(schedule.session_count):
        densest = i * DAYS_PER_WEEK // schedule.sessions_per_week_max
        offsets.append(max(densest, offsets[-1] + schedule.min_days_between) if offsets else densest)
    return offsets


def latest_offsets_days(schedule: InductionSchedule) -> list[int]:
    offsets: list[int] = []
    last_day = schedule.window_days - 1
    # Backwards, so each session leaves room for the ones after it inside the window.
    for i in reversed(range(schedule.session_count)):
        sparsest = i * DAYS_PER_WEEK // schedule.sessions_per_week_min
        room = offsets[0] - schedule.min_days_between if offsets else last_day
        offsets.insert(0, min(sparsest, room))
    return offsets


def plan_course(start_date: dt.date, schedule: InductionSchedule) -> list[SessionWindow]:
    """One window per session, in order; CourseError when the sessions cannot fit the window."""
    earliest = earliest_offsets_days(schedule)
    latest = latest_offsets_days(schedule)
    if any(low > high for low, high in zip(earliest, latest, strict=True)):
        raise CourseError(
            "window_days",
            f"{schedule.session_count} sessions, at most {schedule.sessions_per_week_max} a week and "
            f"{schedule.min_days_between} day(s) apart, do not fit in {schedule.window_days} days",
        )
    return [
        SessionWindow(
            sequence=i + 1,
            window_start=start_date + dt.timedelta(days=low),
            window_end=start_date + dt.timedelta(days=high),
        )
        for i, (low, high) in enumerate(zip(earliest, latest, strict=True))
    ]


# The timings a template's questionnaires_due may name that are sent to the patient ahead of
# time; others ("after dosing") are rated in the session itself.
BEFORE_EACH_SESSION = "before each session"


@dataclass(frozen=True)
class QuestionnaireDue:
    instrument: str
    reason: str  # "baseline" before the first session, else "before_session"


def session_questionnaires(
    questionnaires_due: list[dict[str, str]], sequence: int, patient_rated: frozenset[str]
) -> list[QuestionnaireDue]:
    """The self-report questionnaires due before the plan's session number `sequence` (from 1): one per
    patient-rated instrument timed "before each session"; before the first session they are the baseline.

    They fall due on the day the session is booked, not on its planned window (a window may start on
    a day the clinic is closed)."""
    reason = "baseline" if sequence == 1 else "before_session"
    instruments = sorted(
        {
            entry["instrument"]
            for entry in questionnaires_due
            if entry.get("timing") == BEFORE_EACH_SESSION and entry.get("instrument") in patient_rated
        }
    )
    return [QuestionnaireDue(instrument, reason) for instrument in instruments]
