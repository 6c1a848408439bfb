import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.candidacy.domain.case import (
    AdministrationRoute,
    CurrentMedicine,
    DisorderStatus,
    Hypertension,
    KetamineDrug,
    LiverDisease,
    PriorKetamineTreatment,
    Psychosis,
    Response,
    StopReason,
    SubstanceUseDisorder,
    Vitals,
)
from ketacare.candidacy.domain.drugs import DrugClass
from ketacare.candidacy.domain.evaluate import evaluate_case
from ketacare.candidacy.domain.findings import (
    ALL_ROUTES,
    ESKETAMINE_ROUTES,
    RACEMIC_ROUTES,
    Eligibility,
    Route,
    Severity,
)
from ketacare.candidacy.domain.policy import CandidacyPolicy
from ketacare.candidacy.domain.rules import RULES
from ketacare.candidacy.tests.builders import case, history, patient, trial

CI, CAUTION, INFO = Severity.CONTRAINDICATION, Severity.CAUTION, Severity.INFORMATION
E, R, A = ESKETAMINE_ROUTES, RACEMIC_ROUTES, ALL_ROUTES


def findings(result):
    return {(f.code, f.severity, f.routes) for f in result.findings}


def statuses(result):
    return {route: result.routes[route].status for route in Route}


def vitals(**values):
    return Vitals(**{"systolic_mmhg": 120, "diastolic_mmhg": 80, "heart_rate_bpm": 70, "spo2_percent": 98, **values})


def taking(*medicines):
    return tuple(CurrentMedicine(name, drug_class) for name, drug_class in medicines)


SIX_FAILURES = tuple(
    trial(drug=drug, daily_dose_mg=dose)
    for drug, dose in [
        ("sertraline", 100),
        ("fluoxetine", 20),
        ("paroxetine", 20),
        ("citalopram", 20),
        ("escitalopram", 10),
        ("duloxetine", 60),
    ]
)

TRIGGERS = [
    (
        "aneurysm",
        dict(medical_history=history(aneurysmal_vascular_disease=True)),
        {("esketamine.aneurysm", CI, E), ("ketamine.aneurysm", CI, R)},
    ),
    (
        "avm",
        dict(medical_history=history(arteriovenous_malformation=True)),
        {("esketamine.avm", CI, E), ("ketamine.avm", CI, R)},
    ),
    (
        "haemorrhage",
        dict(medical_history=history(intracerebral_haemorrhage=True)),
        {("esketamine.intracerebral_haemorrhage", CI, E), ("ketamine.intracerebral_haemorrhage", CI, R)},
    ),
    (
        "hypersensitivity",
        dict(medical_history=history(ketamine_hypersensitivity=True)),
        {("esketamine.hypersensitivity", CI, E), ("ketamine.hypersensitivity", CI, R)},
    ),
    (
        "minor",
        dict(patient=patient(age_years=17)),
        {("esketamine.not_adult", CI, E), ("ketamine.not_adult", CAUTION, R)},
    ),
    ("trd not met", dict(trials=(trial(),)), {("trd.not_met", CI, E), ("trd.not_met", CI, R)}),
    ("beyond trial range", dict(trials=SIX_FAILURES), {("trd.above_trial_range", INFO, E)}),
    (
        "uncontrolled hypertension",
        dict(medical_history=history(hypertension=Hypertension.UNCONTROLLED)),
        {("esketamine.uncontrolled_hypertension", CAUTION, E), ("ketamine.uncontrolled_hypertension", CI, R)},
    ),
    (
        "current psychosis",
        dict(medical_history=history(psychosis=Psychosis.CURRENT)),
        {("esketamine.psychosis_current", CAUTION, E), ("ketamine.psychosis_current", CI, R)},
    ),
    (
        "elevated bp",
        dict(baseline_vitals=vitals(systolic_mmhg=150, diastolic_mmhg=85)),
        {("bp.elevated_baseline", CAUTION, E), ("bp.elevated_baseline", CAUTION, R)},
    ),
    (
        "elevated diastolic",
        dict(baseline_vitals=vitals(systolic_mmhg=130, diastolic_mmhg=91)),
        {("bp.elevated_baseline", CAUTION, E), ("bp.elevated_baseline", CAUTION, R)},
    ),
    ("severe bp", dict(baseline_vitals=vitals(systolic_mmhg=185, diastolic_mmhg=95)), {("bp.severe_baseline", CI, A)}),
    (
        "severe diastolic",
        dict(baseline_vitals=vitals(systolic_mmhg=170, diastolic_mmhg=101)),
        {("bp.severe_baseline", CI, A)},
    ),
    (
        "encephalopathy",
        dict(medical_history=history(hypertensive_encephalopathy=True)),
        {("bp.hypertensive_encephalopathy", CAUTION, A)},
    ),
    (
        "controlled hypertension",
        dict(medical_history=history(hypertension=Hypertension.CONTROLLED)),
        {("bp.controlled_hypertension", INFO, A)},
    ),
    ("no vitals", dict(baseline_vitals=None), {("vitals.missing", INFO, A)}),
    ("tachycardia", dict(baseline_vitals=vitals(heart_rate_bpm=111)), {("vitals.tachycardia", CAUTION, A)}),
    ("low spo2", dict(baseline_vitals=vitals(spo2_percent=91.5)), {("vitals.low_spo2", CAUTION, A)}),
    ("older adult", dict(patient=patient(age_years=65)), {("age.older_adult", INFO, A)}),
    ("pregnant", dict(patient=patient(pregnant=True)), {("reproductive.pregnancy", CAUTION, A)}),
    ("breastfeeding", dict(patient=patient(breastfeeding=True)), {("reproductive.breastfeeding", CAUTION, A)}),
    (
        "past psychosis",
        dict(medical_history=history(psychosis=Psychosis.PAST)),
        {("history.psychosis_past", CAUTION, A)},
    ),
    (
        "current sud",
        dict(
            medical_history=history(substance_use_disorders=(SubstanceUseDisorder("alcohol", DisorderStatus.CURRENT),))
        ),
        {("history.substance_use_current", CAUTION, A)},
    ),
    (
        "past sud",
        dict(medical_history=history(substance_use_disorders=(SubstanceUseDisorder("cannabis", DisorderStatus.PAST),))),
        {("history.substance_use_past", INFO, A)},
    ),
    (
        "past ketamine use disorder",
        dict(medical_history=history(substance_use_disorders=(SubstanceUseDisorder("Ketamine", DisorderStatus.PAST),))),
        {("history.substance_use_past", INFO, A), ("history.dissociative_misuse", CAUTION, A)},
    ),
    (
        "cardiovascular",
        dict(medical_history=history(cardiovascular_disease=True)),
        {("history.cardiovascular_disease", CAUTION, A)},
    ),
    (
        "liver",
        dict(medical_history=history(liver_disease=LiverDisease.MODERATE)),
        {("history.liver_disease", CAUTION, A)},
    ),
    ("cystitis", dict(medical_history=history(interstitial_cystitis=True)), {("history.urological", CAUTION, A)}),
    (
        "stimulant",
        dict(current_medications=taking(("lisdexamfetamine", DrugClass.PSYCHOSTIMULANT))),
        {("medication.psychostimulant", CAUTION, A)},
    ),
    ("maoi", dict(current_medications=taking(("tranylcypromine", DrugClass.MAOI))), {("medication.maoi", CAUTION, A)}),
    (
        "benzodiazepine",
        dict(current_medications=taking(("clonazepam", DrugClass.BENZODIAZEPINE))),
        {("medication.benzodiazepine", CAUTION, A)},
    ),
    (
        "z-drug",
        dict(current_medications=taking(("zolpidem", DrugClass.SEDATIVE_HYPNOTIC))),
        {("medication.sedative_hypnotic", CAUTION, A)},
    ),
    ("opioid", dict(current_medications=taking(("oxycodone", DrugClass.OPIOID))), {("medication.opioid", CAUTION, A)}),
    (
        "lamotrigine",
        dict(current_medications=taking(("lamotrigine", DrugClass.LAMOTRIGINE))),
        {("medication.lamotrigine", INFO, A)},
    ),
    ("non-interacting medicine", dict(current_medications=taking(("levothyroxine", DrugClass.OTHER))), set()),
    (
        "prior non-response",
        dict(
            prior_ketamine=(
                PriorKetamineTreatment(KetamineDrug.ESKETAMINE, AdministrationRoute.INTRANASAL, Response.NONE),
            )
        ),
        {("history.prior_ketamine_nonresponse", INFO, A)},
    ),
    (
        "prior response",
        dict(
            prior_ketamine=(PriorKetamineTreatment(KetamineDrug.KETAMINE, AdministrationRoute.IV, Response.RESPONSE),)
        ),
        set(),
    ),
    (
        "intolerance",
        dict(
            trials=(
                *case().trials,
                trial(
                    drug="duloxetine",
                    daily_dose_mg=60,
                    stop_date=dt.date(2026, 1, 20),
                    stop_reason=StopReason.SIDE_EFFECTS,
                ),
            )
        ),
        {("trd.intolerance", INFO, A)},
    ),
    ("unknown drug", dict(trials=(*case().trials, trial(drug="levomilnacipran"))), {("trd.unknown_drug", INFO, A)}),
]


def test_the_clean_case_is_eligible_everywhere_without_findings():
    result = evaluate_case(case())
    assert result.findings == ()
    assert set(statuses(result).values()) == {Eligibility.ELIGIBLE}


@pytest.mark.parametrize(("changes", "expected"), [t[1:] for t in TRIGGERS], ids=[t[0] for t in TRIGGERS])
def test_each_rule_fires_on_its_own(changes, expected):
    assert findings(evaluate_case(case(**changes))) == expected


def test_every_rule_is_exercised_above():
    exercised = {code for _, _, expected in TRIGGERS for code, _, _ in expected}
    assert exercised == {rule.code for rule in RULES}


def test_bp_exactly_at_the_label_line_is_not_elevated():
    assert findings(evaluate_case(case(baseline_vitals=vitals(systolic_mmhg=140, diastolic_mmhg=90)))) == set()


def test_bp_exactly_at_the_hold_line_is_elevated_not_severe():
    result = evaluate_case(case(baseline_vitals=vitals(systolic_mmhg=180, diastolic_mmhg=100)))
    assert {code for code, _, _ in findings(result)} == {"bp.elevated_baseline"}


def test_heart_rate_and_spo2_at_their_limits_are_fine():
    assert findings(evaluate_case(case(baseline_vitals=vitals(heart_rate_bpm=110, spo2_percent=92)))) == set()


def test_explanations_carry_the_case_values():
    result = evaluate_case(
        case(
            baseline_vitals=vitals(systolic_mmhg=150, diastolic_mmhg=85),
            current_medications=taking(
                ("alprazolam", DrugClass.BENZODIAZEPINE), ("diazepam", DrugClass.BENZODIAZEPINE)
            ),
            trials=(trial(),),
        )
    )
    explanations = {(f.code, frozenset(f.routes)): f.explanation for f in result.findings}
    assert explanations[("bp.elevated_baseline", E)] == (
        "Baseline blood pressure 150/85 mmHg is above 140/90 mmHg: weigh delaying treatment until it is lower "
        "(benefit and risk)."
    )
    assert explanations[("medication.benzodiazepine", A)] == (
        "Current benzodiazepine (alprazolam, diazepam): adds to sedation and respiratory depression, and "
        "benzodiazepines may blunt the antidepressant response."
    )
    assert explanations[("trd.not_met", R)] == (
        "Treatment resistance is not established: 1 adequate failed antidepressant trial(s) in the current "
        "episode, 2 needed. Clinic policy requires treatment resistance for off-label racemic ketamine."
    )


def test_sources_name_their_origin_and_mark_unverified_values():
    result = evaluate_case(
        case(
            medical_history=history(aneurysmal_vascular_disease=True),
            baseline_vitals=vitals(systolic_mmhg=150),
        )
    )
    sources = {(f.code, frozenset(f.routes)): f.source for f in result.findings}
    assert sources[("esketamine.aneurysm", E)].startswith("Spravato (esketamine) US label, Contraindications")
    assert "DERIVED" in sources[("ketamine.aneurysm", R)]
    assert sources[("bp.elevated_baseline", E)] == "Spravato US label §5.6, blood pressure (CLINICAL.md §2)"
    assert sources[("bp.elevated_baseline", R)].startswith("UNVERIFIED")


def test_an_ongoing_maoi_trial_counts_as_a_current_maoi():
    ongoing = trial(drug="phenelzine", daily_dose_mg=60, stop_date=None, stop_reason=None)
    result = evaluate_case(case(trials=(*case().trials, ongoing)))
    [maoi] = [f for f in result.findings if f.code == "medication.maoi"]
    assert maoi.explanation == "Current MAOI (phenelzine): monitor blood pressure more closely."


def test_a_stopped_maoi_trial_is_not_a_current_maoi():
    stopped = trial(drug="phenelzine", daily_dose_mg=60)
    assert "medication.maoi" not in {f.code for f in evaluate_case(case(trials=(stopped,))).findings}


def test_a_contraindication_makes_every_route_not_eligible():
    result = evaluate_case(case(medical_history=history(aneurysmal_vascular_disease=True)))
    assert set(statuses(result).values()) == {Eligibility.NOT_ELIGIBLE}


def test_information_alone_leaves_a_route_eligible():
    result = evaluate_case(case(medical_history=history(hypertension=Hypertension.CONTROLLED)))
    assert set(statuses(result).values()) == {Eligibility.ELIGIBLE}
    assert [f.code for f in result.routes[Route.KETAMINE_IV].findings] == ["bp.controlled_hypertension"]


def test_current_psychosis_excludes_racemic_ketamine_but_not_esketamine():
    result = evaluate_case(case(medical_history=history(psychosis=Psychosis.CURRENT)))
    assert statuses(result) == {
        Route.KETAMINE_IV: Eligibility.NOT_ELIGIBLE,
        Route.KETAMINE_IM: Eligibility.NOT_ELIGIBLE,
        Route.KETAMINE_SUBLINGUAL: Eligibility.NOT_ELIGIBLE,
        Route.ESKETAMINE_INTRANASAL: Eligibility.ELIGIBLE_WITH_CAUTIONS,
    }


def test_a_minor_is_outside_the_esketamine_label_only():
    result = evaluate_case(case(patient=patient(age_years=16)))
    assert result.routes[Route.ESKETAMINE_INTRANASAL].status is Eligibility.NOT_ELIGIBLE
    assert result.routes[Route.KETAMINE_IM].status is Eligibility.ELIGIBLE_WITH_CAUTIONS


def test_findings_on_a_route_are_ordered_by_severity():
    result = evaluate_case(
        case(
            medical_history=history(
                hypertension=Hypertension.CONTROLLED, cardiovascular_disease=True, arteriovenous_malformation=True
            ),
        )
    )
    assert [f.severity for f in result.routes[Route.ESKETAMINE_INTRANASAL].findings] == [CI, CAUTION, INFO]


def test_trd_not_required_for_racemic_by_policy():
    one_trial = case(trials=(trial(),))
    assert statuses(evaluate_case(one_trial))[Route.KETAMINE_IV] is Eligibility.NOT_ELIGIBLE
    relaxed = evaluate_case(one_trial, CandidacyPolicy(require_trd_for_racemic=False))
    assert statuses(relaxed) == {
        Route.KETAMINE_IV: Eligibility.ELIGIBLE_WITH_CAUTIONS,
        Route.KETAMINE_IM: Eligibility.ELIGIBLE_WITH_CAUTIONS,
        Route.KETAMINE_SUBLINGUAL: Eligibility.ELIGIBLE_WITH_CAUTIONS,
        Route.ESKETAMINE_INTRANASAL: Eligibility.NOT_ELIGIBLE,
    }
    [racemic] = [f for f in relaxed.findings if f.code == "trd.not_met" and f.routes == R]
    assert racemic.explanation.endswith(
        "Clinic policy does not require treatment resistance for off-label racemic ketamine."
    )


def test_racemic_exclusions_can_be_softened_by_policy():
    policy = CandidacyPolicy(
        racemic_current_psychosis_severity=Severity.CAUTION,
        racemic_uncontrolled_hypertension_severity=Severity.CAUTION,
    )
    sick = case(medical_history=history(psychosis=Psychosis.CURRENT, hypertension=Hypertension.UNCONTROLLED))
    assert statuses(evaluate_case(sick))[Route.KETAMINE_IV] is Eligibility.NOT_ELIGIBLE
    assert set(statuses(evaluate_case(sick, policy)).values()) == {Eligibility.ELIGIBLE_WITH_CAUTIONS}


def test_pregnancy_can_be_made_a_contraindication():
    pregnant = case(patient=patient(pregnant=True))
    assert set(statuses(evaluate_case(pregnant)).values()) == {Eligibility.ELIGIBLE_WITH_CAUTIONS}
    strict = evaluate_case(pregnant, CandidacyPolicy(pregnancy_severity=Severity.CONTRAINDICATION))
    assert set(statuses(strict).values()) == {Eligibility.NOT_ELIGIBLE}


def test_bp_thresholds_are_policy_parameters():
    raised = case(baseline_vitals=vitals(systolic_mmhg=145, diastolic_mmhg=85))
    assert set(statuses(evaluate_case(raised)).values()) == {Eligibility.ELIGIBLE_WITH_CAUTIONS}
    racemic_only = evaluate_case(raised, CandidacyPolicy(racemic_bp_caution_systolic_mmhg=150))
    assert statuses(racemic_only)[Route.KETAMINE_IV] is Eligibility.ELIGIBLE
    assert statuses(racemic_only)[Route.ESKETAMINE_INTRANASAL] is Eligibility.ELIGIBLE_WITH_CAUTIONS
    held = evaluate_case(
        raised,
        CandidacyPolicy(
            bp_hold_systolic_mmhg=140,
            esketamine_bp_caution_systolic_mmhg=140,
            racemic_bp_caution_systolic_mmhg=140,
        ),
    )
    assert set(statuses(held).values()) == {Eligibility.NOT_ELIGIBLE}


def test_age_and_vital_limits_are_policy_parameters():
    result = evaluate_case(
        case(patient=patient(age_years=60), baseline_vitals=vitals(heart_rate_bpm=100, spo2_percent=94)),
        CandidacyPolicy(older_adult_age_years=60, heart_rate_caution_bpm=95, spo2_caution_below_percent=95),
    )
    assert {f.code for f in result.findings} == {"age.older_adult", "vitals.tachycardia", "vitals.low_spo2"}


@given(
    st.builds(
        history,
        hypertension=st.sampled_from(Hypertension),
        cardiovascular_disease=st.booleans(),
        psychosis=st.sampled_from(Psychosis),
        liver_disease=st.sampled_from(LiverDisease),
        interstitial_cystitis=st.booleans(),
        hypertensive_encephalopathy=st.booleans(),
    ),
    st.sampled_from(
        [
            "aneurysmal_vascular_disease",
            "arteriovenous_malformation",
            "intracerebral_haemorrhage",
            "ketamine_hypersensitivity",
        ]
    ),
)
def test_a_label_contraindication_excludes_every_route_whatever_else_is_true(some_history, flag):
    result = evaluate_case(case(medical_history=dataclasses.replace(some_history, **{flag: True})))
    assert set(statuses(result).values()) == {Eligibility.NOT_ELIGIBLE}
    for route_result in result.routes.values():
        assert route_result.findings[0].severity is CI


def test_eighteen_is_adult_and_sixty_four_is_not_older():
    assert findings(evaluate_case(case(patient=patient(age_years=18)))) == set()
    assert findings(evaluate_case(case(patient=patient(age_years=64)))) == set()
