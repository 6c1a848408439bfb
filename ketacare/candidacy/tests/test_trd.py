import dataclasses
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from ketacare.candidacy.domain.case import Adherence, StopReason
from ketacare.candidacy.domain.drugs import ATHF_STYLE_MINIMUM_DAILY_DOSE_MG
from ketacare.candidacy.domain.policy import ATHF_MODE_MINIMUM_TRIAL_WEEKS, DEFAULT_POLICY, CandidacyPolicy
from ketacare.candidacy.domain.trd import TrialStatus, assess_treatment_resistance, assess_trial
from ketacare.candidacy.tests.builders import EPISODE_START, EVALUATION_DATE, case, trial


def assess(one_trial, policy=DEFAULT_POLICY):
    return assess_trial(0, one_trial, EPISODE_START, EVALUATION_DATE, policy)


def test_two_adequate_failures_in_the_episode_meet_the_definition():
    trd = assess_treatment_resistance(case(), DEFAULT_POLICY)
    assert trd.met is True
    assert trd.adequate_failures == 2
    assert trd.threshold == 2
    assert trd.minimum_trial_weeks == 6
    assert [t.status for t in trd.trials] == [TrialStatus.ADEQUATE_FAILURE, TrialStatus.ADEQUATE_FAILURE]
    assert trd.trials[0].reasons == (
        "adequate: 100 mg/day (minimum 50 mg) for 56 days (8.0 weeks) in the current episode, good adherence",
        "improvement 10% is below 50%",
        "stopped as ineffective",
    )


def test_one_adequate_failure_does_not_meet_it():
    trd = assess_treatment_resistance(case(trials=(trial(),)), DEFAULT_POLICY)
    assert (trd.met, trd.adequate_failures) == (False, 1)


def test_a_trial_stopped_before_the_episode_does_not_count():
    result = assess(trial(start_date=dt.date(2025, 3, 1), stop_date=dt.date(2025, 12, 31)))
    assert result.status is TrialStatus.OUTSIDE_EPISODE
    assert result.counted is False
    assert result.reasons == ("stopped 2025-12-31, before the current episode began on 2026-01-01",)


def test_a_trial_stopped_on_the_first_day_of_the_episode_overlaps_it():
    result = assess(trial(start_date=dt.date(2025, 3, 1), stop_date=EPISODE_START))
    assert result.status is TrialStatus.INADEQUATE
    assert result.days_in_episode == 0


def test_duration_is_counted_inside_the_episode_only():
    # Ten months on the drug, but only 19 days of them in the current episode.
    result = assess(trial(start_date=dt.date(2025, 3, 1), stop_date=dt.date(2026, 1, 20)))
    assert result.status is TrialStatus.INADEQUATE
    assert result.reasons == ("19 days (2.7 weeks) in the current episode is shorter than the minimum 6 weeks",)


def test_six_weeks_is_long_enough_and_one_day_less_is_not():
    start = dt.date(2026, 2, 1)
    assert (
        assess(trial(start_date=start, stop_date=start + dt.timedelta(days=42))).status is TrialStatus.ADEQUATE_FAILURE
    )
    short = assess(trial(start_date=start, stop_date=start + dt.timedelta(days=41)))
    assert short.status is TrialStatus.INADEQUATE
    assert short.reasons == ("41 days (5.9 weeks) in the current episode is shorter than the minimum 6 weeks",)


def test_an_ongoing_trial_runs_until_the_evaluation_date():
    result = assess(trial(start_date=dt.date(2026, 9, 1), stop_date=None, stop_reason=None))
    assert result.status is TrialStatus.ADEQUATE_FAILURE
    assert result.days_in_episode == 44
    assert "44 days (6.3 weeks) in the current episode so far (ongoing)" in result.reasons[0]


def test_a_dose_below_the_minimum_is_not_adequate():
    low = assess(trial(daily_dose_mg=49))
    assert low.status is TrialStatus.INADEQUATE
    assert low.reasons == ("daily dose 49 mg is below the minimum adequate 50 mg",)
    assert assess(trial(daily_dose_mg=50)).status is TrialStatus.ADEQUATE_FAILURE


def test_every_shortfall_is_reported():
    result = assess(trial(daily_dose_mg=25, stop_date=dt.date(2026, 1, 26), adherence=Adherence.POOR))
    assert result.reasons == (
        "daily dose 25 mg is below the minimum adequate 50 mg",
        "21 days (3.0 weeks) in the current episode is shorter than the minimum 6 weeks",
        "poor adherence",
    )


def test_poor_adherence_makes_a_trial_inadequate():
    result = assess(trial(adherence=Adherence.POOR))
    assert (result.status, result.reasons) == (TrialStatus.INADEQUATE, ("poor adherence",))


def test_partial_adherence_counts_unless_the_policy_says_otherwise():
    counted = assess(trial(adherence=Adherence.PARTIAL))
    assert counted.status is TrialStatus.ADEQUATE_FAILURE
    assert "partial adherence (counted: policy count_partial_adherence)" in counted.reasons[0]
    strict = assess(trial(adherence=Adherence.PARTIAL), CandidacyPolicy(count_partial_adherence=False))
    assert (strict.status, strict.reasons) == (TrialStatus.INADEQUATE, ("partial adherence",))


def test_fifty_percent_improvement_is_not_a_failure():
    result = assess(trial(improvement_percent=50, stop_reason=StopReason.OTHER))
    assert result.status is TrialStatus.ADEQUATE_RESPONSE
    assert result.counted is False
    assert result.reasons[1] == "improvement 50% reached 50%: not a failure"
    assert assess(trial(improvement_percent=49.9, stop_reason=StopReason.OTHER)).status is TrialStatus.ADEQUATE_FAILURE


def test_stopped_as_ineffective_is_a_failure_whatever_the_improvement():
    result = assess(trial(improvement_percent=60, stop_reason=StopReason.INEFFECTIVE))
    assert result.status is TrialStatus.ADEQUATE_FAILURE
    assert result.reasons[1:] == ("stopped as ineffective",)


def test_stopping_early_for_side_effects_is_intolerance():
    result = assess(trial(stop_date=dt.date(2026, 1, 26), stop_reason=StopReason.SIDE_EFFECTS, daily_dose_mg=25))
    assert result.status is TrialStatus.INTOLERANCE
    assert result.counted is False
    assert result.reasons == (
        "stopped for side effects after 21 days (3.0 weeks) in the current episode, before the minimum 6 weeks: "
        "intolerance, not an adequate trial",
    )


def test_stopping_for_side_effects_after_an_adequate_trial_is_still_a_failure():
    result = assess(trial(stop_reason=StopReason.SIDE_EFFECTS, improvement_percent=10))
    assert result.status is TrialStatus.ADEQUATE_FAILURE


def test_a_drug_without_a_minimum_dose_cannot_be_counted():
    result = assess(trial(drug="levomilnacipran", daily_dose_mg=120))
    assert result.status is TrialStatus.UNKNOWN_DRUG
    assert result.minimum_dose_mg is None
    policy = CandidacyPolicy(minimum_daily_dose_mg={**ATHF_STYLE_MINIMUM_DAILY_DOSE_MG, "Levomilnacipran": 40})
    assert assess(trial(drug="levomilnacipran", daily_dose_mg=120), policy).status is TrialStatus.ADEQUATE_FAILURE


def test_release_forms_share_the_minimum_dose():
    result = assess(trial(drug="Venlafaxine  XR", daily_dose_mg=150))
    assert (result.status, result.minimum_dose_mg) == (TrialStatus.ADEQUATE_FAILURE, 150)
    assert assess(trial(drug="venlafaxine-er", daily_dose_mg=75)).status is TrialStatus.INADEQUATE


def test_augmentation_is_counted_only_when_the_policy_says_so():
    added = trial(drug="mirtazapine", daily_dose_mg=30, augmentation=True)
    assert assess(added).status is TrialStatus.AUGMENTATION
    assert assess(added, CandidacyPolicy(count_augmentation_trials=True)).status is TrialStatus.ADEQUATE_FAILURE


def test_athf_mode_counts_four_week_trials():
    four_weeks = trial(stop_date=dt.date(2026, 2, 2))  # 28 days
    assert assess(four_weeks).status is TrialStatus.INADEQUATE
    athf = CandidacyPolicy(minimum_trial_weeks=ATHF_MODE_MINIMUM_TRIAL_WEEKS)
    assert assess(four_weeks, athf).status is TrialStatus.ADEQUATE_FAILURE


def test_the_threshold_is_a_policy_parameter():
    trd = assess_treatment_resistance(case(), CandidacyPolicy(trd_minimum_failed_trials=3))
    assert (trd.met, trd.adequate_failures, trd.threshold) == (False, 2, 3)


def test_the_improvement_threshold_is_a_policy_parameter():
    moderate = trial(improvement_percent=40, stop_reason=StopReason.OTHER)
    assert assess(moderate).status is TrialStatus.ADEQUATE_FAILURE
    policy = CandidacyPolicy(failure_below_improvement_percent=25)
    assert assess(moderate, policy).status is TrialStatus.ADEQUATE_RESPONSE


trials = st.builds(
    trial,
    drug=st.sampled_from(["sertraline", "bupropion", "unknownium", "phenelzine"]),
    daily_dose_mg=st.floats(min_value=1, max_value=600),
    start_date=st.dates(dt.date(2025, 1, 1), dt.date(2026, 10, 1)),
    stop_date=st.none(),
    stop_reason=st.none(),
    adherence=st.sampled_from(Adherence),
    improvement_percent=st.floats(min_value=0, max_value=100),
    augmentation=st.booleans(),
)


@given(st.lists(trials, max_size=6), trials)
def test_adding_a_trial_never_lowers_the_count(existing, extra):
    before = assess_treatment_resistance(case(trials=tuple(existing)), DEFAULT_POLICY)
    after = assess_treatment_resistance(case(trials=(*existing, extra)), DEFAULT_POLICY)
    assert after.adequate_failures in (before.adequate_failures, before.adequate_failures + 1)
    assert after.met >= before.met


@given(st.lists(trials, max_size=6), st.floats(min_value=1, max_value=12))
def test_a_shorter_minimum_duration_never_lowers_the_count(all_trials, weeks):
    stricter = assess_treatment_resistance(case(trials=tuple(all_trials)), CandidacyPolicy(minimum_trial_weeks=weeks))
    looser = assess_treatment_resistance(
        case(trials=tuple(all_trials)), dataclasses.replace(DEFAULT_POLICY, minimum_trial_weeks=weeks / 2)
    )
    assert looser.adequate_failures >= stricter.adequate_failures
    assert stricter.adequate_failures == sum(1 for t in stricter.trials if t.status is TrialStatus.ADEQUATE_FAILURE)
