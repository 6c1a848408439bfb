"""End-of-induction proposals: the rules at their boundaries, missing data and clinic parameters."""

import datetime as dt
from dataclasses import replace

import pytest

from ketacare.protocols.domain.errors import ProtocolRuleError
from ketacare.protocols.domain.maintenance import (
    ESKETAMINE_PARAMETERS,
    IV_PARAMETERS,
    Decision,
    Proposal,
    ScoreSeries,
    propose_maintenance,
)

FIRST = dt.date(2026, 12, 1)
END = dt.date(2026, 12, 18)


def propose(baseline: int, latest: int, instrument: str = "madrs", parameters=IV_PARAMETERS):
    series = ScoreSeries(instrument, [(FIRST - dt.timedelta(days=2), baseline), (END, latest)])
    return propose_maintenance(series, FIRST, END, parameters)


@pytest.mark.parametrize(
    ("latest", "expected"),
    [
        (15, Proposal.CONTINUE_TO_MAINTENANCE),  # exactly 50%: a response
        (16, Proposal.EXTEND_INDUCTION),  # 46.7%
        (22, Proposal.EXTEND_INDUCTION),  # 26.7%
        (23, Proposal.STOP),  # 23.3%
    ],
)
def test_thresholds_on_madrs(latest, expected):
    assert propose(30, latest).proposal == expected


@pytest.mark.parametrize(
    ("latest", "expected"),
    [
        (30, Proposal.CONTINUE_TO_MAINTENANCE),  # exactly 50%
        (31, Proposal.EXTEND_INDUCTION),  # 48.3%: the nearest below 50% a MADRS total allows
        (45, Proposal.EXTEND_INDUCTION),  # exactly 25%
        (46, Proposal.STOP),  # 23.3%
    ],
)
def test_exact_percent_boundaries(latest, expected):
    assert propose(60, latest).proposal == expected


def test_continue_quotes_the_numbers_and_proposes_an_interval():
    result = propose(30, 12)
    assert result.proposal == Proposal.CONTINUE_TO_MAINTENANCE and result.decision == Decision.CONTINUE
    assert (result.baseline_total, result.latest_total, result.percent_change) == (30, 12, -60.0)
    assert (result.interval_weeks_min, result.interval_weeks_max) == (2, 4)
    text = " ".join(result.reasons)
    assert "MADRS" in text and "baseline 30" in text and "latest 12" in text and "-60.0%" in text
    assert "Andrade 2017" in text


def test_remission_without_a_50_percent_fall_continues():
    # PHQ-9: 6 → 4 is a 33% fall but under the remission threshold (< 5).
    result = propose(6, 4, instrument="phq9")
    assert result.proposal == Proposal.CONTINUE_TO_MAINTENANCE
    assert result.remission is True and result.response is False


def test_stop_says_why():
    result = propose(20, 18, instrument="phq9")
    assert result.proposal == Proposal.STOP and result.decision == Decision.STOP
    assert "less than 25%" in result.reasons[-1]


def test_no_scores_is_insufficient_data():
    result = propose_maintenance(ScoreSeries("phq9", []), FIRST, END)
    assert result.proposal == Proposal.INSUFFICIENT_DATA and result.decision is None
    assert "No PHQ-9 scores" in result.reasons[0]


def test_no_baseline_is_insufficient_data():
    series = ScoreSeries("phq9", [(FIRST + dt.timedelta(days=3), 10), (END, 5)])
    result = propose_maintenance(series, FIRST, END)
    assert result.proposal == Proposal.INSUFFICIENT_DATA and "baseline" in result.reasons[0]


def test_no_follow_up_in_the_induction_is_insufficient_data():
    late = END + dt.timedelta(days=IV_PARAMETERS.review_window_days + 1)
    series = ScoreSeries("phq9", [(FIRST, 20), (late, 2)])
    result = propose_maintenance(series, FIRST, END)
    assert result.proposal == Proposal.INSUFFICIENT_DATA and "No PHQ-9 score between" in result.reasons[0]


def test_a_zero_baseline_is_insufficient_data():
    assert propose(0, 0, instrument="phq9").proposal == Proposal.INSUFFICIENT_DATA


def test_the_latest_score_within_the_review_window_counts():
    series = ScoreSeries("madrs", [(FIRST, 30), (FIRST + dt.timedelta(days=7), 25), (END + dt.timedelta(days=3), 10)])
    assert propose_maintenance(series, FIRST, END).latest_total == 10


def test_parameters_change_the_outcome():
    assert propose(30, 21).proposal == Proposal.EXTEND_INDUCTION  # 30% fall
    stricter = replace(IV_PARAMETERS, partial_response_percent=35)
    assert propose(30, 21, parameters=stricter).proposal == Proposal.STOP
    looser_response = replace(IV_PARAMETERS, response_reduction_percent=30)
    assert propose(30, 21, parameters=looser_response).proposal == Proposal.CONTINUE_TO_MAINTENANCE
    assert propose(30, 21, parameters=replace(IV_PARAMETERS, remission_max_total=21)).remission is True


def test_esketamine_interval_follows_the_label():
    result = propose(30, 10, parameters=ESKETAMINE_PARAMETERS)
    assert (result.interval_weeks_min, result.interval_weeks_max) == (1, 2)
    assert "Spravato label" in result.reasons[-1]


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        (replace(IV_PARAMETERS, partial_response_percent=50), "partial_response_percent"),
        (replace(IV_PARAMETERS, partial_response_percent=0), "partial_response_percent"),
        (replace(IV_PARAMETERS, interval_weeks_min=5, interval_weeks_max=4), "interval_weeks"),
    ],
)
def test_bad_parameters_are_refused(parameters, field):
    with pytest.raises(ProtocolRuleError) as error:
        propose(30, 10, parameters=parameters)
    assert error.value.field == field


def test_an_instrument_without_a_response_rule_is_refused():
    with pytest.raises(ProtocolRuleError) as error:
        propose_maintenance(ScoreSeries("cadss", [(FIRST, 10)]), FIRST, END)
    assert error.value.field == "instrument"
