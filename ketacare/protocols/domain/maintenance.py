"""What to propose at the end of an induction: continue to maintenance, extend the induction, or stop.

The latest score of the induction is compared with the baseline (measures.domain.outcomes):
- response (≥ the instrument's response fall, CLINICAL.md §3: 50%) or remission → continue to
  maintenance at a clinic-chosen interval;
- a partial response (a fall of at least `partial_response_percent`, 25% by default — a common
  convention, UNVERIFIED in CLINICAL.md) → extend the induction;
- less than that after the full induction → stop (CLINICAL.md §2: evaluate benefit at the end of
  the 4-week induction).
It is a proposal: the prescriber decides, and a different decision needs a note.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import partial

from ketacare.measures.domain.instruments import MeasureError
from ketacare.measures.domain.library import get_instrument
from ketacare.measures.domain.outcomes import course_outcome
from ketacare.protocols.domain.errors import ProtocolRuleError


class Proposal(StrEnum):
    CONTINUE_TO_MAINTENANCE = "continue_to_maintenance"
    EXTEND_INDUCTION = "extend_induction"
    STOP = "stop"
    INSUFFICIENT_DATA = "insufficient_data"


class Decision(StrEnum):
    CONTINUE = "continue"
    EXTEND = "extend"
    STOP = "stop"


# The decision that follows a proposal; insufficient data proposes nothing.
PROPOSED_DECISION: dict[Proposal, Decision] = {
    Proposal.CONTINUE_TO_MAINTENANCE: Decision.CONTINUE,
    Proposal.EXTEND_INDUCTION: Decision.EXTEND,
    Proposal.STOP: Decision.STOP,
}

IV_INTERVAL_SOURCE = (
    'Andrade 2017 (CLINICAL.md §1): maintenance evidence is weak; individualise, dosing "a little before '
    'the effect of the previous session is expected to wear off". 2–4 weeks is a clinic starting range.'
)
ESKETAMINE_INTERVAL_SOURCE = (
    "Spravato label (CLINICAL.md §2): weeks 5–8 once weekly, then every 2 weeks or weekly, "
    "individualised to the lowest frequency that keeps the response."
)


@dataclass(frozen=True)
class ScoreSeries:
    """One instrument's totals over a course, filled in by the measures app."""

    instrument: str
    points: list[tuple[date, int]] = field(default_factory=list)


@dataclass(frozen=True)
class MaintenanceParameters:
    """Clinic choices; None for the response and remission rules means the instrument's own."""

    interval_weeks_min: int = 2
    interval_weeks_max: int = 4
    interval_source: str = IV_INTERVAL_SOURCE
    partial_response_percent: int = 25  # common convention, UNVERIFIED in CLINICAL.md
    response_reduction_percent: int | None = None
    remission_max_total: int | None = None
    # The end-of-induction questionnaire is often filled in at the review visit, after the last session.
    review_window_days: int = 7


IV_PARAMETERS = MaintenanceParameters()
ESKETAMINE_PARAMETERS = MaintenanceParameters(
    interval_weeks_min=1, interval_weeks_max=2, interval_source=ESKETAMINE_INTERVAL_SOURCE
)


@dataclass(frozen=True)
class MaintenanceProposal:
    proposal: Proposal
    reasons: tuple[str, ...]
    instrument: str
    baseline_on: date | None = None
    baseline_total: int | None = None
    latest_on: date | None = None
    latest_total: int | None = None
    percent_change: float | None = None
    response: bool = False
    remission: bool | None = None
    interval_weeks_min: int | None = None
    interval_weeks_max: int | None = None
    interval_source: str = ""

    @property
    def label(self) -> str:
        return self.proposal.value.replace("_", " ").capitalize()

    @property
    def decision(self) -> Decision | None:
        return PROPOSED_DECISION.get(self.proposal)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready, for the snapshot kept with the decision."""
        return {
            "proposal": self.proposal.value,
            "reasons": list(self.reasons),
            "instrument": self.instrument,
            "baseline_on": self.baseline_on.isoformat() if self.baseline_on else None,
            "baseline_total": self.baseline_total,
            "latest_on": self.latest_on.isoformat() if self.latest_on else None,
            "latest_total": self.latest_total,
            "percent_change": self.percent_change,
            "response": self.response,
            "remission": self.remission,
            "interval_weeks_min": self.interval_weeks_min,
            "interval_weeks_max": self.interval_weeks_max,
            "interval_source": self.interval_source,
        }


def _check(parameters: MaintenanceParameters, response_percent: int) -> None:
    def whole(value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    if not (whole(parameters.partial_response_percent) and 1 <= parameters.partial_response_percent < response_percent):
        raise ProtocolRuleError(
            "partial_response_percent",
            f"must be a whole number from 1 to {response_percent - 1} (below the response fall)",
        )
    if not (
        whole(parameters.interval_weeks_min)
        and whole(parameters.interval_weeks_max)
        and 1 <= parameters.interval_weeks_min <= parameters.interval_weeks_max <= 52
    ):
        raise ProtocolRuleError("interval_weeks", "must be whole weeks from 1 to 52, the shortest first")
    if not (whole(parameters.review_window_days) and 0 <= parameters.review_window_days <= 60):
        raise ProtocolRuleError("review_window_days", "must be whole days from 0 to 60")


def _fallen_at_least(baseline: int, total: int, percent: int) -> bool:
    # Integer arithmetic, as in measures.domain.outcomes, so a boundary fall is exact.
    return 100 * (baseline - total) >= percent * baseline


def propose_maintenance(
    series: ScoreSeries,
    first_treatment_on: date,
    induction_end_on: date,
    parameters: MaintenanceParameters = IV_PARAMETERS,
) -> MaintenanceProposal:
    """The proposal at the end of the induction, with reasons that quote the numbers."""
    try:
        instrument = get_instrument(series.instrument)
    except MeasureError as error:
        raise ProtocolRuleError("instrument", str(error)) from None
    if instrument.response is None:
        raise ProtocolRuleError("instrument", f"{instrument.name} has no response rule; choose a depression scale")
    response_percent = parameters.response_reduction_percent or instrument.response.reduction_percent
    _check(parameters, response_percent)
    if induction_end_on < first_treatment_on:
        raise ProtocolRuleError("induction_end_on", "the induction cannot end before the first treatment")
    name = instrument.name

    def insufficient(reason: str) -> MaintenanceProposal:
        return MaintenanceProposal(Proposal.INSUFFICIENT_DATA, (reason,), instrument.code)

    if not series.points:
        return insufficient(f"No {name} scores are recorded for this patient.")
    try:
        course = course_outcome(
            instrument,
            series.points,
            first_treatment_on,
            response_reduction_percent=parameters.response_reduction_percent,
            remission_max_total=parameters.remission_max_total,
        )
    except MeasureError as error:
        return insufficient(f"{str(error)[0].upper()}{str(error)[1:]}.")
    last_day = induction_end_on + timedelta(days=parameters.review_window_days)
    follow_ups = [f for f in course.follow_ups if f.point.on <= last_day]
    baseline = course.baseline
    if not follow_ups:
        return insufficient(
            f"No {name} score between the first treatment ({first_treatment_on.isoformat()}) and "
            f"{last_day.isoformat()} (induction end + {parameters.review_window_days} days) to compare "
            f"with the baseline of {baseline.total} on {baseline.on.isoformat()}."
        )
    latest = follow_ups[-1]
    outcome = latest.outcome
    if outcome.percent_change is None:
        return insufficient(
            f"The {name} baseline is 0 on {baseline.on.isoformat()}: a percent change cannot be computed."
        )

    numbers = (
        f"{name}: baseline {baseline.total} on {baseline.on.isoformat()}, latest {latest.point.total} on "
        f"{latest.point.on.isoformat()}, a change of {outcome.percent_change:+.1f}%."
    )
    reasons = [numbers]
    if outcome.response:
        reasons.append(f"Response: a fall of at least {response_percent}% from baseline.")
    if outcome.remission:
        reasons.append(f"Remission: {latest.point.total} is within the remission threshold of {name}.")
    measured = partial(
        MaintenanceProposal,
        instrument=instrument.code,
        baseline_on=baseline.on,
        baseline_total=baseline.total,
        latest_on=latest.point.on,
        latest_total=latest.point.total,
        percent_change=round(outcome.percent_change, 1),
        response=outcome.response,
        remission=outcome.remission,
    )
    if outcome.response or outcome.remission:
        reasons.append(
            f"Proposed maintenance every {parameters.interval_weeks_min}–{parameters.interval_weeks_max} weeks. "
            f"{parameters.interval_source}"
        )
        return measured(
            Proposal.CONTINUE_TO_MAINTENANCE,
            tuple(reasons),
            interval_weeks_min=parameters.interval_weeks_min,
            interval_weeks_max=parameters.interval_weeks_max,
            interval_source=parameters.interval_source,
        )
    if _fallen_at_least(baseline.total, latest.point.total, parameters.partial_response_percent):
        reasons.append(
            f"Partial response: a fall of at least {parameters.partial_response_percent}% but less than "
            f"{response_percent}% (the {parameters.partial_response_percent}% threshold is a common convention, "
            "UNVERIFIED in CLINICAL.md). Consider extending the induction."
        )
        return measured(Proposal.EXTEND_INDUCTION, tuple(reasons))
    reasons.append(
        f"No meaningful response: a fall of less than {parameters.partial_response_percent}% after the full "
        f"induction (ended {induction_end_on.isoformat()}); CLINICAL.md §2: evaluate benefit at the end of induction."
    )
    return measured(Proposal.STOP, tuple(reasons))
