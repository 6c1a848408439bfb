import copy
import datetime as dt
import json

import pytest

from ketacare.candidacy.domain.case import Adherence, CaseError, Hypertension, StopReason
from ketacare.candidacy.domain.drugs import DrugClass
from ketacare.candidacy.domain.parse import case_from_json, parse_case
from ketacare.candidacy.tests.builders import EXAMPLES_DIR

TODAY = dt.date(2026, 11, 22)
EXAMPLE = json.loads((EXAMPLES_DIR / "candidacy-eligible-with-cautions.json").read_text())


def problem(change) -> str:
    data = copy.deepcopy(EXAMPLE)
    change(data)
    with pytest.raises(CaseError) as caught:
        parse_case(data, TODAY)
    return str(caught.value)


def test_the_example_reads_into_the_case():
    case = parse_case(EXAMPLE, TODAY)
    assert case.evaluation_date == dt.date(2026, 10, 15)
    assert case.age_years == 46
    assert case.patient.weight_kg == 68.5
    assert len(case.trials) == 5
    assert case.trials[2].drug == "venlafaxine XR"
    assert case.trials[2].adherence is Adherence.PARTIAL
    assert case.trials[3].stop_reason is StopReason.SIDE_EFFECTS
    assert case.trials[4].stop_date is None
    assert case.trials[4].augmentation is False
    assert case.medical_history.hypertension is Hypertension.CONTROLLED
    assert [(m.name, m.drug_class) for m in case.current_medications] == [
        ("lorazepam", DrugClass.BENZODIAZEPINE),
        ("amlodipine", DrugClass.OTHER),
    ]
    assert case.baseline_vitals.systolic_mmhg == 132
    assert case.psychotherapy[0].sessions == 16
    assert case.ect is None and case.prior_ketamine == ()


def test_evaluation_date_defaults_to_today():
    data = copy.deepcopy(EXAMPLE)
    del data["evaluation_date"]
    assert parse_case(data, TODAY).evaluation_date == TODAY


def set_at(path, value):
    def change(data):
        *parents, last = path
        for key in parents:
            data = data[key]
        data[last] = value

    return change


def delete_at(path):
    def change(data):
        *parents, last = path
        for key in parents:
            data = data[key]
        del data[last]

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (set_at(["trials", 1, "start_date"], "2025/09/15"), "trials[1].start_date: must be a date YYYY-MM-DD"),
        (set_at(["trials", 1, "start_date"], "20250915"), "trials[1].start_date: must be a date YYYY-MM-DD"),
        (
            set_at(["trials", 1, "start_date"], "2025-02-30"),
            "trials[1].start_date: must be a date YYYY-MM-DD (2025-02-30 does not exist)",
        ),
        (
            set_at(["trials", 1, "stop_date"], "2025-09-01"),
            "trials[1].stop_date: 2025-09-01 is before the start date 2025-09-15",
        ),
        (
            set_at(["trials", 4, "start_date"], "2026-11-01"),
            "trials[4].start_date: 2026-11-01 is in the future (after the evaluation date 2026-10-15)",
        ),
        (
            set_at(["episode_start_date"], "2026-10-16"),
            "episode_start_date: 2026-10-16 is in the future (after the evaluation date 2026-10-15)",
        ),
        (
            set_at(["patient", "date_of_birth"], "2026-10-16"),
            "patient.date_of_birth: 2026-10-16 is in the future (after the evaluation date 2026-10-15)",
        ),
        (
            set_at(["patient", "date_of_birth"], "1890-01-01"),
            "patient.date_of_birth: is more than 130 years ago; check the year",
        ),
        (
            set_at(["evaluation_date"], "2026-11-23"),
            "evaluation_date: 2026-11-23 is in the future (today is 2026-11-22)",
        ),
        (set_at(["patient", "weight_kg"], 29.9), "patient.weight_kg: must be between 30 and 300 kg, not 29.9"),
        (set_at(["patient", "weight_kg"], 301), "patient.weight_kg: must be between 30 and 300 kg, not 301"),
        (set_at(["patient", "weight_kg"], "70"), "patient.weight_kg: must be a number"),
        (
            set_at(["trials", 0, "improvement_percent"], 101),
            "trials[0].improvement_percent: must be between 0 and 100 percent, not 101",
        ),
        (
            set_at(["trials", 0, "improvement_percent"], -5),
            "trials[0].improvement_percent: must be between 0 and 100 percent, not -5",
        ),
        (set_at(["trials", 0, "daily_dose_mg"], 0), "trials[0].daily_dose_mg: must be more than 0 mg, not 0"),
        (set_at(["trials", 0, "daily_dose_mg"], True), "trials[0].daily_dose_mg: must be a number"),
        (
            set_at(["trials", 0, "adherence"], "excellent"),
            "trials[0].adherence: 'excellent' is not one of: good, partial, poor",
        ),
        (
            set_at(["trials", 4, "stop_reason"], "ineffective"),
            "trials[4].stop_reason: an ongoing trial (no stop_date) has no stop reason",
        ),
        (delete_at(["trials", 4, "stop_date"]), "trials[4].stop_date: is required"),
        (set_at(["trials", 0, "augmentation"], "no"), "trials[0].augmentation: must be true or false"),
        (set_at(["trials"], {}), "trials: must be a list"),
        (set_at(["trials", 2], "sertraline"), "trials[2]: must be an object"),
        (set_at(["patient", "sex"], "f"), "patient.sex: 'f' is not one of: female, male, other, unknown"),
        (set_at(["patient", "pregnant"], 0), "patient.pregnant: must be true or false"),
        (
            set_at(["patient", "age_years"], 46),
            "patient.age_years: give either age_years or date_of_birth, not both or neither",
        ),
        (delete_at(["medical_history", "psychosis"]), "medical_history.psychosis: is required"),
        (
            set_at(["medical_history", "hypertension"], True),
            "medical_history.hypertension: must be one of: none, controlled, uncontrolled",
        ),
        (
            set_at(["medical_history", "substance_use_disorders"], [{"substance": "alcohol", "status": "recent"}]),
            "medical_history.substance_use_disorders[0].status: 'recent' is not one of: current, past",
        ),
        (
            set_at(["medical_history", "psychosiss"], "none"),
            "medical_history.psychosiss: unknown field (expected: aneurysmal_vascular_disease, arteriovenous_malformation, "
            "intracerebral_haemorrhage, hypertensive_encephalopathy, cardiovascular_disease, interstitial_cystitis, "
            "ketamine_hypersensitivity, hypertension, psychosis, substance_use_disorders, liver_disease)",
        ),
        (
            set_at(["current_medications", 1, "class"], "antihypertensive"),
            "current_medications[1].class: unknown drug class 'antihypertensive'; one of: benzodiazepine, psychostimulant, "
            "maoi, lamotrigine, opioid, sedative_hypnotic, other",
        ),
        (
            set_at(["current_medications", 1], {"name": "lorazepam", "class": "other"}),
            "current_medications[1].class: lorazepam is benzodiazepine in the interaction table, not other",
        ),
        (
            set_at(["current_medications", 0], "levothyroxine"),
            "current_medications[0]: 'levothyroxine' is not in the interaction table; give it as "
            '{"name": "levothyroxine", "class": "..."} with its drug class (benzodiazepine, psychostimulant, maoi, '
            "lamotrigine, opioid, sedative_hypnotic, other)",
        ),
        (delete_at(["current_medications"]), "current_medications: is required"),
        (
            set_at(["baseline_vitals", "diastolic_mmhg"], 140),
            "baseline_vitals.diastolic_mmhg: must be below the systolic pressure (132 mmHg)",
        ),
        (set_at(["baseline_vitals", "systolic_mmhg"], 132.5), "baseline_vitals.systolic_mmhg: must be a whole number"),
        (
            set_at(["baseline_vitals", "spo2_percent"], 101),
            "baseline_vitals.spo2_percent: must be between 50 and 100 percent, not 101",
        ),
        (set_at(["ect"], {"sessions": -1, "response": "none"}), "ect.sessions: must be between 0 and 10000, not -1"),
        (
            set_at(["prior_ketamine"], [{"drug": "ketamine", "route": "rectal", "response": "none"}]),
            "prior_ketamine[0].route: 'rectal' is not one of: iv, im, subcutaneous, sublingual, oral, intranasal",
        ),
    ],
)
def test_bad_input_names_the_field(change, message):
    assert problem(change) == message


def test_the_top_level_must_be_an_object():
    with pytest.raises(CaseError) as caught:
        parse_case([1], TODAY)
    assert str(caught.value) == "(top level): must be an object"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{bad", "not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
        ('{"x": NaN}', "not valid JSON: NaN is not allowed"),
    ],
)
def test_text_that_is_not_json(text, message):
    with pytest.raises(CaseError) as caught:
        case_from_json(text, TODAY)
    assert (caught.value.path, str(caught.value)) == ("", message)


def test_a_trial_may_stop_on_the_day_it_started_but_not_the_day_before():
    data = copy.deepcopy(EXAMPLE)
    data["trials"][1]["stop_date"] = data["trials"][1]["start_date"]
    assert parse_case(data, TODAY).trials[1].stop_date == dt.date(2025, 9, 15)
    assert problem(set_at(["trials", 1, "stop_date"], "2025-09-14")) == (
        "trials[1].stop_date: 2025-09-14 is before the start date 2025-09-15"
    )
