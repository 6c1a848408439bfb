"""The candidacy steps every treated demo patient goes through first: the nurse's intake (two failed
antidepressant trials, no contraindication), then the prescriber's approval of the route."""

import datetime as dt
from decimal import Decimal

from ketacare.candidacy.actions import do_record_decision, do_save_intake
from ketacare.candidacy.domain.findings import Route
from ketacare.patients.models import Patient


def save_intake(nurse, patient: Patient, day: dt.date, *, weight_kg: Decimal | None = None) -> None:
    """The intake as reviewed by the nurse on `day` (the patient's local today), with the weight."""
    answers, trials = _intake(day)
    do_save_intake(nurse, patient.pk, weight_kg=weight_kg, trials=trials, **answers)


def approve_route(prescriber, patient: Patient, route: Route) -> None:
    do_record_decision(prescriber, patient.pk, route=route, decision="approve")


def _intake(day: dt.date) -> tuple[dict, list[dict]]:
    """A complete intake: a two-year episode, two adequate antidepressant trials that failed, no
    contraindication, normal blood pressure."""
    answers = {
        "episode_start_date": day - dt.timedelta(days=730),
        "pregnant": False,
        "breastfeeding": False,
        "aneurysmal_vascular_disease": False,
        "arteriovenous_malformation": False,
        "intracerebral_haemorrhage": False,
        "hypertension": "none",
        "hypertensive_encephalopathy": False,
        "cardiovascular_disease": False,
        "psychosis": "none",
        "liver_disease": "none",
        "interstitial_cystitis": False,
        "ketamine_hypersensitivity": False,
        "substance_use_disorders": [],
        "psychotherapy": [{"kind": "CBT", "sessions": 16}],
        "ect": None,
        "tms": None,
        "prior_ketamine": [],
        "systolic_mmhg": 124,
        "diastolic_mmhg": 80,
        "heart_rate_bpm": 74,
        "spo2_percent": Decimal("98"),
    }
    trials = [
        {
            "drug": "sertraline",
            "daily_dose_mg": 150,
            "start_date": day - dt.timedelta(days=600),
            "stop_date": day - dt.timedelta(days=510),
            "adherence": "good",
            "improvement_percent": 10,
            "stop_reason": "ineffective",
            "augmentation": False,
        },
        {
            "drug": "venlafaxine XR",
            "daily_dose_mg": 225,
            "start_date": day - dt.timedelta(days=480),
            "stop_date": None,
            "adherence": "good",
            "improvement_percent": 15,
            "stop_reason": None,
            "augmentation": False,
        },
    ]
    return answers, trials
