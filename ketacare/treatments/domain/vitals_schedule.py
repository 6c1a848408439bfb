"""Vital checks at the protocol's minutes: which are done, due, late or missed.

Times are minutes after the start of administration (floats allowed). A check is answered by the
first unused reading recorded within [scheduled − tolerance, scheduled + tolerance]; a reading
after that window but before the next check's window is LATE (answered, flagged); a check whose
window has passed with no reading is MISSED once the clock is past it; otherwise DUE or UPCOMING.
"""

from collections.abc import Container, Iterable
from dataclasses import dataclass
from enum import StrEnum


class CheckState(StrEnum):
    DONE = "done"
    LATE = "late"
    MISSED = "missed"
    DUE = "due"
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class ScheduledCheck:
    scheduled_minute: int
    state: CheckState
    recorded_minute: float | None = None

    @property
    def minutes_late(self) -> int:
        if self.state != CheckState.LATE or self.recorded_minute is None:
            return 0
        return int(self.recorded_minute - self.scheduled_minute)


def check_states(
    scheduled_minutes: Iterable[int], recorded_minutes: Iterable[float], *, now_minute: float | None, tolerance_min: int
) -> list[ScheduledCheck]:
    """The state of each scheduled check, given the minutes readings were taken at and the clock."""
    if tolerance_min < 0:
        raise ValueError("tolerance_min must be 0 or more")
    schedule = sorted(set(scheduled_minutes))
    readings = sorted(recorded_minutes)
    used: set[int] = set()
    result = []
    for index, minute in enumerate(schedule):
        next_minute = schedule[index + 1] if index + 1 < len(schedule) else None
        # A reading late for this check must come before the next check's window opens.
        late_limit = None if next_minute is None else next_minute - tolerance_min
        match = None
        for position, reading in enumerate(readings):
            if position in used or reading < minute - tolerance_min:
                continue
            if reading <= minute + tolerance_min:
                match = (position, reading, CheckState.DONE)
            elif late_limit is None or reading < late_limit:
                match = (position, reading, CheckState.LATE)
            break
        if match is not None:
            used.add(match[0])
            result.append(ScheduledCheck(minute, match[2], match[1]))
        elif now_minute is None or now_minute < minute - tolerance_min:
            result.append(ScheduledCheck(minute, CheckState.UPCOMING))
        elif now_minute <= minute + tolerance_min:
            result.append(ScheduledCheck(minute, CheckState.DUE))
        elif late_limit is not None and now_minute >= late_limit:
            result.append(ScheduledCheck(minute, CheckState.MISSED))
        else:
            # Past its window and nothing yet: overdue, still answerable (as late).
            result.append(ScheduledCheck(minute, CheckState.DUE))
    return result


def check_for_reading(
    scheduled_minutes: Iterable[int], answered_minutes: Container[int], reading_minute: float, *, tolerance_min: int
) -> int | None:
    """The scheduled check a new reading answers (None = an extra reading)."""
    states = check_states(scheduled_minutes, [], now_minute=reading_minute, tolerance_min=tolerance_min)
    for check in states:
        if check.scheduled_minute in answered_minutes:
            continue
        if (
            check.state in (CheckState.DUE, CheckState.UPCOMING)
            and reading_minute >= check.scheduled_minute - tolerance_min
        ):
            return check.scheduled_minute
    return None
