"""A complete candidacy intake's answers (candidacy): what a nurse records before a prescriber decides."""

import copy
import datetime as dt
from decimal import Decimal

import pytest

# Two adequate failures, controlled hypertension, BP 148/92.
ANSWERS = {
    "episode_start_date": dt.date(2026, 1, 1),
    "pregnant": False,
    "breastfeeding": False,
    "aneurysmal_vascular_disease": False,
    "arteriovenous_malformation": False,
    "intracerebral_haemorrhage": False,
    "hypertension": "controlled",
    "hypertensive_encephalopathy": False,
    "cardiovascular_disease": False,
    "psychosis": "none",
    "liver_disease": "none",
    "interstitial_cystitis": False,
    "ketamine_hypersensitivity": False,
    "substance_use_disorders": [{"substance": "alcohol", "status": "past"}],
    "psychotherapy": [{"kind": "CBT", "sessions": 12}],
    "ect": None,
    "tms": {"sessions": 30, "response": "partial"},
    "prior_ketamine": [],
    "systolic_mmhg": 148,
    "diastolic_mmhg": 92,
    "heart_rate_bpm": 80,
    "spo2_percent": Decimal("98"),
}
TRIALS = [
    {
        "drug": "sertraline",
        "daily_dose_mg": 100,
        "start_date": dt.date(2026, 1, 5),
        "stop_date": dt.date(2026, 3, 2),
        "adherence": "good",
        "improvement_percent": 10,
        "stop_reason": "ineffective",
        "augmentation": False,
    },
    {
        "drug": "bupropion XL",
        "daily_dose_mg": 300,
        "start_date": dt.date(2026, 3, 10),
        "stop_date": None,
        "adherence": "good",
        "improvement_percent": 20,
        "stop_reason": None,
        "augmentation": False,
    },
]


@pytest.fixture
def intake_answers():
    """(answers, trials) of a complete intake: two adequate failed antidepressant trials, controlled
    hypertension, BP 148/92; copies, so a test may change them. do_save_intake(..., trials=trials, **answers)."""
    return copy.deepcopy(ANSWERS), copy.deepcopy(TRIALS)
