"""Course windows from a protocol's induction schedule."""

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.protocols.domain.course import CourseError, InductionSchedule, plan_course

START = dt.date(2026, 11, 23)  # a Monday
IV_INDUCTION = InductionSchedule(
    session_count=6, window_days=21, sessions_per_week_min=2, sessions_per_week_max=3, min_days_between=1
)


def offsets(windows):
    return [((w.window_start - START).days, (w.window_end - START).days) for w in windows]


def test_six_iv_sessions_in_21_days_at_two_to_three_a_week():
    windows = plan_course(START, IV_INDUCTION)
    assert [w.sequence for w in windows] == [1, 2, 3, 4, 5, 6]
    assert offsets(windows) == [(0, 0), (2, 3), (4, 7), (7, 10), (9, 14), (11, 17)]


def test_a_shorter_window_pulls_the_latest_dates_in():
    windows = plan_course(START, InductionSchedule(6, 14, 2, 3, 1))
    assert offsets(windows)[-2:] == [(9, 12), (11, 13)]


def test_min_days_between_spaces_the_earliest_dates():
    windows = plan_course(START, InductionSchedule(6, 21, 2, 3, 3))
    assert [low for low, _ in offsets(windows)] == [0, 3, 6, 9, 12, 15]


def test_a_course_that_cannot_fit_is_refused_naming_the_window():
    with pytest.raises(CourseError) as error:
        plan_course(START, InductionSchedule(6, 10, 2, 3, 1))
    assert error.value.field == "window_days"


@pytest.mark.parametrize(
    "field, values",
    [
        ("session_count", (0, 21, 2, 3, 1)),
        ("sessions_per_week_min", (6, 21, 4, 3, 1)),
        ("sessions_per_week_max", (6, 21, 2, 8, 1)),
    ],
)
def test_impossible_schedules_name_the_field(field, values):
    with pytest.raises(CourseError) as error:
        InductionSchedule(*values)
    assert error.value.field == field


@given(
    st.integers(1, 12),
    st.integers(7, 60),
    st.integers(1, 3),
    st.integers(0, 4),
    st.integers(1, 3),
)
def test_windows_are_ordered_spaced_and_inside_the_course(count, window_days, per_week_min, extra, gap):
    schedule = InductionSchedule(count, window_days, per_week_min, min(7, per_week_min + extra), gap)
    try:
        windows = plan_course(START, schedule)
    except CourseError as error:
        assert error.field == "window_days"
        return
    for before, after in itertools.pairwise(windows):
        assert (after.window_start - before.window_start).days >= gap
        assert (after.window_end - before.window_end).days >= gap
    for w in windows:
        assert START <= w.window_start <= w.window_end < START + dt.timedelta(days=window_days)
    # The densest schedule never puts more than the weekly maximum in any 7 days.
    starts = [w.window_start for w in windows]
    for i, first in enumerate(starts):
        assert sum(1 for d in starts[i:] if (d - first).days < 7) <= schedule.sessions_per_week_max
