"""Change from baseline, response, remission and loss of response."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.measures.domain.instruments import MeasureError
from ketacare.measures.domain.outcomes import ScorePoint, course_outcome, outcome

FIRST_TREATMENT = date(2025, 3, 3)


def day(offset: int) -> date:
    return FIRST_TREATMENT + timedelta(days=offset)


def test_a_fall_of_exactly_half_is_a_response():
    result = outcome("phq9", 20, 10)
    assert (result.change, result.percent_change, result.response, result.remission) == (-10, -50.0, True, False)
    assert outcome("phq9", 20, 11).response is False
    assert outcome("phq9", 21, 10).response is True  # 52.4% fall
    assert outcome("phq9", 21, 11).response is False  # 47.6% fall


def test_phq9_remission_is_below_5():
    assert outcome("phq9", 20, 4).remission is True
    assert outcome("phq9", 20, 5).remission is False


def test_qids_sr16_remission_is_5_or_less():
    assert outcome("qids_sr16", 16, 5).remission is True
    assert outcome("qids_sr16", 16, 6).remission is False


def test_madrs_remission_is_10_or_less_by_default_and_clinics_may_choose_12():
    assert outcome("madrs", 30, 10).remission is True
    assert outcome("madrs", 30, 11).remission is False
    assert outcome("madrs", 30, 12, remission_max_total=12).remission is True
    assert outcome("madrs", 30, 13, remission_max_total=12).remission is False


def test_gad7_remission_is_below_5():
    assert outcome("gad7", 15, 4).remission is True
    assert outcome("gad7", 15, 5).remission is False


def test_pcl5_has_response_but_no_remission_rule():
    result = outcome("pcl5", 50, 25)
    assert (result.response, result.remission) == (True, None)
    with pytest.raises(MeasureError, match="PCL-5 has no remission rule"):
        outcome("pcl5", 50, 25, remission_max_total=20)


def test_the_response_percentage_is_a_parameter():
    assert outcome("phq9", 20, 12).response is False
    assert outcome("phq9", 20, 12, response_reduction_percent=40).response is True
    with pytest.raises(MeasureError, match="response reduction percent: 0 must be a whole number from 1 to 100"):
        outcome("phq9", 20, 12, response_reduction_percent=0)


def test_a_zero_baseline_has_no_percent_change_and_cannot_respond():
    result = outcome("phq9", 0, 0)
    assert (result.percent_change, result.response, result.remission) == (None, False, True)


def test_loss_of_response_needs_an_earlier_response():
    assert outcome("phq9", 20, 12, responded_before=True).loss_of_response is True
    assert outcome("phq9", 20, 12).loss_of_response is False
    assert outcome("phq9", 20, 9, responded_before=True).loss_of_response is False


def test_invalid_totals_and_instruments_without_a_response_rule_are_refused():
    with pytest.raises(MeasureError, match="^PHQ-9 baseline total: 28 is out of range 0–27$"):
        outcome("phq9", 28, 10)
    with pytest.raises(MeasureError, match="^PHQ-9 total: -1 is out of range 0–27$"):
        outcome("phq9", 20, -1)
    with pytest.raises(MeasureError, match="^MADRS remission threshold: 61 is out of range 0–60$"):
        outcome("madrs", 30, 10, remission_max_total=61)
    with pytest.raises(MeasureError, match="^CADSS has no response rule"):
        outcome("cadss", 30, 10)


def test_a_course_uses_the_last_score_on_or_before_the_first_treatment_as_baseline():
    points = [
        (day(3), 12),
        (day(-14), 22),
        (day(0), 20),  # the morning of the first infusion: the baseline
        (day(7), 9),  # response
        (day(14), 11),  # 45% below baseline: response lost
        (day(28), 4),  # response and remission again
    ]
    course = course_outcome("phq9", points, FIRST_TREATMENT)
    assert course.baseline == ScorePoint(day(0), 20)
    summary = [
        (
            f.point.on,
            f.point.total,
            f.outcome.change,
            f.outcome.response,
            f.outcome.remission,
            f.outcome.loss_of_response,
        )
        for f in course.follow_ups
    ]
    assert summary == [
        (day(3), 12, -8, False, False, False),
        (day(7), 9, -11, True, False, False),
        (day(14), 11, -9, False, False, True),
        (day(28), 4, -16, True, True, False),
    ]
    assert course.latest.point == ScorePoint(day(28), 4)


def test_same_day_scores_keep_their_order_and_the_last_is_the_baseline():
    course = course_outcome("qids_sr16", [(day(0), 18), (day(0), 16), (day(1), 8)], FIRST_TREATMENT)
    assert course.baseline.total == 16
    assert course.follow_ups[0].outcome.response is True


def test_a_course_without_follow_ups_has_no_latest():
    course = course_outcome("phq9", [(day(-1), 15)], FIRST_TREATMENT)
    assert (course.follow_ups, course.latest) == ((), None)


def test_a_course_without_a_baseline_is_refused():
    with pytest.raises(
        MeasureError, match=r"^no baseline: no PHQ-9 score on or before the first treatment \(2025-03-03\)$"
    ):
        course_outcome("phq9", [(day(1), 10)], FIRST_TREATMENT)


def test_a_course_names_an_out_of_range_score_by_date():
    with pytest.raises(MeasureError, match=r"^MADRS score on 2025-03-10: 70 is out of range 0–60$"):
        course_outcome("madrs", [(day(0), 30), (day(7), 70)], FIRST_TREATMENT)


@given(st.integers(1, 27), st.lists(st.integers(0, 27), min_size=1, max_size=12))
def test_course_rules_hold_for_any_series(baseline, totals):
    points = [(day(-1), baseline)] + [(day(index + 1), total) for index, total in enumerate(totals)]
    course = course_outcome("phq9", points, FIRST_TREATMENT)
    responded = False
    for follow_up, total in zip(course.follow_ups, totals, strict=True):
        result = follow_up.outcome
        assert result.change == total - baseline
        assert result.response == (2 * total <= baseline)
        assert result.remission == (total < 5)
        assert result.loss_of_response == (responded and not result.response)
        responded = responded or result.response
