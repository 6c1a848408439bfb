import dataclasses
import subprocess
import sys

import pytest

from ketacare.candidacy.domain.drugs import (
    ATHF_STYLE_MINIMUM_DAILY_DOSE_MG,
    MEDICINE_CLASSES,
    MINIMUM_DOSE_SOURCE,
    DrugClass,
    normalize_drug_name,
)
from ketacare.candidacy.domain.findings import Severity
from ketacare.candidacy.domain.policy import DEFAULT_POLICY, POLICY_SOURCES, CandidacyPolicy, PolicyError
from ketacare.candidacy.tests.builders import EXAMPLES_DIR


def test_every_parameter_names_its_source():
    assert set(POLICY_SOURCES) == {f.name for f in dataclasses.fields(CandidacyPolicy)}
    assert all(source.strip() for source in POLICY_SOURCES.values())


@pytest.mark.parametrize(
    "parameter",
    [
        "minimum_daily_dose_mg",
        "minimum_trial_weeks",
        "failure_below_improvement_percent",
        "racemic_bp_caution_systolic_mmhg",
        "racemic_bp_caution_diastolic_mmhg",
        "bp_hold_systolic_mmhg",
        "bp_hold_diastolic_mmhg",
        "heart_rate_caution_bpm",
        "spo2_caution_below_percent",
        "pregnancy_severity",
    ],
)
def test_unverified_defaults_say_so(parameter):
    assert "UNVERIFIED" in POLICY_SOURCES[parameter]


def test_published_defaults():
    assert (
        DEFAULT_POLICY.minimum_trial_weeks,
        DEFAULT_POLICY.failure_below_improvement_percent,
        DEFAULT_POLICY.trd_minimum_failed_trials,
        DEFAULT_POLICY.esketamine_trial_maximum_failed_trials,
    ) == (6, 50, 2, 5)
    assert (
        DEFAULT_POLICY.esketamine_bp_caution_systolic_mmhg,
        DEFAULT_POLICY.esketamine_bp_caution_diastolic_mmhg,
    ) == (140, 90)
    assert (
        DEFAULT_POLICY.bp_hold_systolic_mmhg,
        DEFAULT_POLICY.bp_hold_diastolic_mmhg,
        DEFAULT_POLICY.heart_rate_caution_bpm,
    ) == (180, 100, 110)
    assert DEFAULT_POLICY.require_trd_for_racemic is True
    assert DEFAULT_POLICY.count_partial_adherence is True
    assert DEFAULT_POLICY.count_augmentation_trials is False
    assert DEFAULT_POLICY.racemic_current_psychosis_severity is Severity.CONTRAINDICATION
    assert DEFAULT_POLICY.racemic_uncontrolled_hypertension_severity is Severity.CONTRAINDICATION
    assert DEFAULT_POLICY.pregnancy_severity is Severity.CAUTION


def test_minimum_dose_table():
    assert dict(ATHF_STYLE_MINIMUM_DAILY_DOSE_MG) == {
        "sertraline": 50,
        "fluoxetine": 20,
        "paroxetine": 20,
        "citalopram": 20,
        "escitalopram": 10,
        "venlafaxine": 150,
        "duloxetine": 60,
        "desvenlafaxine": 50,
        "bupropion": 300,
        "mirtazapine": 30,
        "vortioxetine": 10,
        "vilazodone": 20,
        "nortriptyline": 75,
        "amitriptyline": 150,
        "imipramine": 150,
        "trazodone": 300,
        "phenelzine": 45,
        "tranylcypromine": 30,
    }
    assert MINIMUM_DOSE_SOURCE.startswith("ATHF-style minimums, UNVERIFIED against the ATHF-SF 2019 table")
    assert "clinics should review" in MINIMUM_DOSE_SOURCE


def test_a_clinic_table_is_read_by_normalized_name_and_cannot_be_changed_afterwards():
    table = {"Venlafaxine XR": 225}
    policy = CandidacyPolicy(minimum_daily_dose_mg=table)
    assert policy.minimum_dose_mg("venlafaxine") == 225
    assert policy.minimum_dose_mg("sertraline") is None
    table["sertraline"] = 50
    assert policy.minimum_dose_mg("sertraline") is None
    with pytest.raises(TypeError):
        policy.minimum_daily_dose_mg["sertraline"] = 50


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"minimum_trial_weeks": 0}, "minimum_trial_weeks: must be a number above 0"),
        (
            {"failure_below_improvement_percent": 120},
            "failure_below_improvement_percent: must be above 0 and at most 100",
        ),
        ({"trd_minimum_failed_trials": 0}, "trd_minimum_failed_trials: must be a whole number of at least 1"),
        (
            {"trd_minimum_failed_trials": 3, "esketamine_trial_maximum_failed_trials": 2},
            "esketamine_trial_maximum_failed_trials: must be a whole number of at least 3",
        ),
        ({"require_trd_for_racemic": "yes"}, "require_trd_for_racemic: must be true or false"),
        ({"heart_rate_caution_bpm": 110.5}, "heart_rate_caution_bpm: must be a whole number of at least 1"),
        (
            {"racemic_bp_caution_systolic_mmhg": 190},
            "racemic_bp_caution_systolic_mmhg: must not be above bp_hold_systolic_mmhg (180)",
        ),
        ({"spo2_caution_below_percent": 0}, "spo2_caution_below_percent: must be above 0 and at most 100"),
        (
            {"pregnancy_severity": "forbidden"},
            "pregnancy_severity: must be one of contraindication, caution, information",
        ),
        (
            {"minimum_daily_dose_mg": {"venlafaxine": 150, "Venlafaxine XR": 225}},
            "minimum_daily_dose_mg['Venlafaxine XR']: venlafaxine is listed twice",
        ),
        (
            {"minimum_daily_dose_mg": {"sertraline": 0}},
            "minimum_daily_dose_mg['sertraline']: must be a number of mg above 0",
        ),
    ],
)
def test_an_unusable_policy_names_the_parameter(changes, message):
    with pytest.raises(PolicyError) as caught:
        CandidacyPolicy(**changes)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("Venlafaxine XR", "venlafaxine"),
        ("bupropion  XL", "bupropion"),
        ("venlafaxine-er", "venlafaxine"),
        (" Sertraline ", "sertraline"),
        ("xr", "xr"),
    ],
)
def test_drug_names_are_normalized(name, normalized):
    assert normalize_drug_name(name) == normalized


def test_interaction_table_classes():
    assert MEDICINE_CLASSES["lorazepam"] is DrugClass.BENZODIAZEPINE
    assert MEDICINE_CLASSES["methylphenidate"] is DrugClass.PSYCHOSTIMULANT
    assert MEDICINE_CLASSES["phenelzine"] is DrugClass.MAOI
    assert MEDICINE_CLASSES["zolpidem"] is DrugClass.SEDATIVE_HYPNOTIC
    assert MEDICINE_CLASSES["tramadol"] is DrugClass.OPIOID
    assert MEDICINE_CLASSES["lamotrigine"] is DrugClass.LAMOTRIGINE
    assert MEDICINE_CLASSES["benzodiazepine"] is DrugClass.BENZODIAZEPINE


def test_the_domain_imports_no_django():
    probe = (
        "import sys, ketacare.candidacy.domain.evaluate, ketacare.candidacy.domain.parse, "
        "ketacare.candidacy.domain.report; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=EXAMPLES_DIR.parents[1],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (completed.returncode, completed.stdout) == (0, "[]\n"), completed.stderr
