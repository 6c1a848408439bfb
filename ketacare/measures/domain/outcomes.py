"""Change from baseline, response, remission and loss of response over a course of treatment.

Baseline is the last score on or before the first treatment; every later score is a follow-up.
Response = a fall of at least the instrument's response percentage from baseline (CLINICAL.md §3:
≥50%); remission = a total at or below the instrument's remission threshold, which clinics may
change (MADRS ≤10 by default, ≤12 documented). Loss of response = a follow-up that no longer meets
the response rule after an earlier follow-up did.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ketacare.measures.domain.instruments import Instrument, MeasureError
from ketacare.measures.domain.library import get_instrument


@dataclass(frozen=True)
class Outcome:
    baseline_total: int
    total: int
    change: int  # total − baseline; negative is improvement on every scale here
    percent_change: float | None  # None when the baseline is 0
    response: bool
    remission: bool | None  # None when the instrument has no remission rule
    loss_of_response: bool


@dataclass(frozen=True)
class ScorePoint:
    on: date
    total: int


@dataclass(frozen=True)
class FollowUp:
    point: ScorePoint
    outcome: Outcome


@dataclass(frozen=True)
class CourseOutcome:
    instrument: str
    baseline: ScorePoint
    follow_ups: tuple[FollowUp, ...]

    @property
    def latest(self) -> FollowUp | None:
        return self.follow_ups[-1] if self.follow_ups else None


def _rules(
    instrument: Instrument, response_reduction_percent: int | None, remission_max_total: int | None
) -> tuple[int, int | None]:
    if instrument.response is None:
        raise MeasureError(f"{instrument.name} has no response rule; outcomes are not computed for it")
    percent = (
        instrument.response.reduction_percent if response_reduction_percent is None else response_reduction_percent
    )
    if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 100:
        raise MeasureError(f"response reduction percent: {percent!r} must be a whole number from 1 to 100")
    if remission_max_total is None:
        return percent, instrument.remission.max_total if instrument.remission else None
    if instrument.remission is None:
        raise MeasureError(f"{instrument.name} has no remission rule; a remission threshold does not apply")
    instrument.check_total(remission_max_total, "remission threshold")
    return percent, remission_max_total


def _outcome(baseline: int, total: int, percent: int, remission_max: int | None, responded_before: bool) -> Outcome:
    # Integer arithmetic, so exactly 50% counts as a response.
    response = baseline > 0 and 100 * (baseline - total) >= percent * baseline
    return Outcome(
        baseline_total=baseline,
        total=total,
        change=total - baseline,
        percent_change=100 * (total - baseline) / baseline if baseline else None,
        response=response,
        remission=None if remission_max is None else total <= remission_max,
        loss_of_response=responded_before and not response,
    )


def outcome(
    instrument: Instrument | str,
    baseline_total: int,
    total: int,
    *,
    responded_before: bool = False,
    response_reduction_percent: int | None = None,
    remission_max_total: int | None = None,
) -> Outcome:
    """One comparison with baseline; `responded_before` says an earlier follow-up met the response rule."""
    instrument = get_instrument(instrument) if isinstance(instrument, str) else instrument
    percent, remission_max = _rules(instrument, response_reduction_percent, remission_max_total)
    instrument.check_total(baseline_total, "baseline total")
    instrument.check_total(total)
    return _outcome(baseline_total, total, percent, remission_max, responded_before)


def course_outcome(
    instrument: Instrument | str,
    points: Iterable[tuple[date, int]],
    first_treatment_on: date,
    *,
    response_reduction_percent: int | None = None,
    remission_max_total: int | None = None,
) -> CourseOutcome:
    """Outcomes of every score after the first treatment, against the last score on or before it."""
    instrument = get_instrument(instrument) if isinstance(instrument, str) else instrument
    percent, remission_max = _rules(instrument, response_reduction_percent, remission_max_total)
    series = [ScorePoint(on, total) for on, total in points]
    for point in series:
        instrument.check_total(point.total, f"score on {point.on.isoformat()}")
    series.sort(key=lambda point: point.on)  # stable: same-day scores keep their given order
    before = [point for point in series if point.on <= first_treatment_on]
    if not before:
        raise MeasureError(
            f"no baseline: no {instrument.name} score on or before the first treatment "
            f"({first_treatment_on.isoformat()})"
        )
    baseline = before[-1]
    follow_ups: list[FollowUp] = []
    responded = False
    for point in series[len(before) :]:
        result = _outcome(baseline.total, point.total, percent, remission_max, responded)
        responded = responded or result.response
        follow_ups.append(FollowUp(point, result))
    return CourseOutcome(instrument.code, baseline, tuple(follow_ups))
