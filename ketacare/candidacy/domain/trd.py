"""Treatment-resistant depression: counting adequate failed antidepressant trials.

A trial counts as an adequate failure when it overlaps the current episode, was held
at or above the drug's minimum adequate daily dose for at least the minimum duration
within the episode, adherence was acceptable, and it failed: improvement below the
threshold or stopped as ineffective (CLINICAL.md §4). Duration is counted inside the
current episode, because the definition asks for adequate trials *in* the episode.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from ketacare.candidacy.domain.case import Adherence, AntidepressantTrial, Case, StopReason
from ketacare.candidacy.domain.policy import CandidacyPolicy


class TrialStatus(StrEnum):
    ADEQUATE_FAILURE = "adequate_failure"
    ADEQUATE_RESPONSE = "adequate_response"  # adequate and it helped: not a failure
    INADEQUATE = "inadequate"
    INTOLERANCE = "intolerance"
    OUTSIDE_EPISODE = "outside_episode"
    AUGMENTATION = "augmentation"
    UNKNOWN_DRUG = "unknown_drug"


@dataclass(frozen=True)
class TrialAssessment:
    index: int
    drug: str
    status: TrialStatus
    reasons: tuple[str, ...]
    days_in_episode: int
    minimum_dose_mg: float | None

    @property
    def counted(self) -> bool:
        return self.status is TrialStatus.ADEQUATE_FAILURE


@dataclass(frozen=True)
class TrdAssessment:
    met: bool
    adequate_failures: int
    threshold: int
    minimum_trial_weeks: float
    episode_start_date: dt.date
    trials: tuple[TrialAssessment, ...]


def _weeks(days: float) -> str:
    return f"{days / 7:.1f} weeks"


def _mg(value: float) -> str:
    return f"{value:g} mg"


def assess_trial(
    index: int,
    trial: AntidepressantTrial,
    episode_start_date: dt.date,
    evaluation_date: dt.date,
    policy: CandidacyPolicy,
) -> TrialAssessment:
    end = trial.stop_date or evaluation_date
    minimum_dose_mg = policy.minimum_dose_mg(trial.drug)

    def result(status: TrialStatus, *reasons: str, days: int = 0) -> TrialAssessment:
        return TrialAssessment(index, trial.drug, status, reasons, days, minimum_dose_mg)

    if end < episode_start_date:
        return result(
            TrialStatus.OUTSIDE_EPISODE,
            f"stopped {end.isoformat()}, before the current episode began on {episode_start_date.isoformat()}",
        )
    days = (end - max(trial.start_date, episode_start_date)).days
    so_far = " so far (ongoing)" if trial.ongoing else ""
    duration = f"{days} days ({_weeks(days)}) in the current episode{so_far}"
    long_enough = days >= policy.minimum_trial_days
    minimum_duration = f"the minimum {policy.minimum_trial_weeks:g} weeks"

    if trial.augmentation and not policy.count_augmentation_trials:
        return result(
            TrialStatus.AUGMENTATION,
            "added to another antidepressant (augmentation): not counted as a trial of its own "
            "(policy count_augmentation_trials)",
            days=days,
        )
    if trial.stop_reason is StopReason.SIDE_EFFECTS and not long_enough:
        return result(
            TrialStatus.INTOLERANCE,
            f"stopped for side effects after {duration}, before {minimum_duration}: intolerance, not an adequate trial",
            days=days,
        )
    if minimum_dose_mg is None:
        return result(
            TrialStatus.UNKNOWN_DRUG,
            f"no minimum adequate dose for {trial.drug!r} in the dose table, so adequacy cannot be judged; "
            "add it to the clinic's table to count this trial",
            days=days,
        )

    shortfalls = []
    if trial.daily_dose_mg < minimum_dose_mg:
        shortfalls.append(f"daily dose {_mg(trial.daily_dose_mg)} is below the minimum adequate {_mg(minimum_dose_mg)}")
    if not long_enough:
        shortfalls.append(f"{duration} is shorter than {minimum_duration}")
    if trial.adherence is Adherence.POOR or (
        trial.adherence is Adherence.PARTIAL and not policy.count_partial_adherence
    ):
        shortfalls.append(f"{trial.adherence.value} adherence")
    if shortfalls:
        return result(TrialStatus.INADEQUATE, *shortfalls, days=days)
    adherence = f"{trial.adherence.value} adherence"
    if trial.adherence is Adherence.PARTIAL:
        adherence += " (counted: policy count_partial_adherence)"

    adequacy = f"adequate: {_mg(trial.daily_dose_mg)}/day (minimum {_mg(minimum_dose_mg)}) for {duration}, {adherence}"
    failures = []
    if trial.improvement_percent < policy.failure_below_improvement_percent:
        failures.append(
            f"improvement {trial.improvement_percent:g}% is below {policy.failure_below_improvement_percent:g}%"
        )
    if trial.stop_reason is StopReason.INEFFECTIVE:
        failures.append("stopped as ineffective")
    if failures:
        return result(TrialStatus.ADEQUATE_FAILURE, adequacy, *failures, days=days)
    return result(
        TrialStatus.ADEQUATE_RESPONSE,
        adequacy,
        f"improvement {trial.improvement_percent:g}% reached {policy.failure_below_improvement_percent:g}%: "
        "not a failure",
        days=days,
    )


def assess_treatment_resistance(case: Case, policy: CandidacyPolicy) -> TrdAssessment:
    trials = tuple(
        assess_trial(index, trial, case.episode_start_date, case.evaluation_date, policy)
        for index, trial in enumerate(case.trials)
    )
    failures = sum(1 for trial in trials if trial.counted)
    return TrdAssessment(
        met=failures >= policy.trd_minimum_failed_trials,
        adequate_failures=failures,
        threshold=policy.trd_minimum_failed_trials,
        minimum_trial_weeks=policy.minimum_trial_weeks,
        episode_start_date=case.episode_start_date,
        trials=trials,
    )
