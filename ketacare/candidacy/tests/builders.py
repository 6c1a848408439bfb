"""A clean case (treatment resistant, no findings) and helpers to change one thing in it."""

import dataclasses
import datetime as dt
from pathlib import Path

from ketacare.candidacy.domain.case import (
    Adherence,
    AntidepressantTrial,
    Case,
    Hypertension,
    LiverDisease,
    MedicalHistory,
    Patient,
    Psychosis,
    Sex,
    StopReason,
    Vitals,
)

EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "docs" / "examples"
EVALUATION_DATE = dt.date(2026, 10, 15)
EPISODE_START = dt.date(2026, 1, 1)


def trial(**changes) -> AntidepressantTrial:
    """Sertraline 100 mg/day for 8 weeks in the episode, good adherence, 10% better, stopped as ineffective."""
    base = AntidepressantTrial(
        drug="sertraline",
        daily_dose_mg=100,
        start_date=dt.date(2026, 1, 5),
        stop_date=dt.date(2026, 3, 2),
        adherence=Adherence.GOOD,
        improvement_percent=10,
        stop_reason=StopReason.INEFFECTIVE,
    )
    return dataclasses.replace(base, **changes)


def history(**changes) -> MedicalHistory:
    base = MedicalHistory(
        aneurysmal_vascular_disease=False,
        arteriovenous_malformation=False,
        intracerebral_haemorrhage=False,
        hypertension=Hypertension.NONE,
        hypertensive_encephalopathy=False,
        cardiovascular_disease=False,
        psychosis=Psychosis.NONE,
        substance_use_disorders=(),
        liver_disease=LiverDisease.NONE,
        interstitial_cystitis=False,
        ketamine_hypersensitivity=False,
    )
    return dataclasses.replace(base, **changes)


def patient(**changes) -> Patient:
    base = Patient(sex=Sex.FEMALE, pregnant=False, breastfeeding=False, weight_kg=70, age_years=40)
    return dataclasses.replace(base, **changes)


def case(**changes) -> Case:
    """Two adequate failures (sertraline, escitalopram) in the episode, normal vitals, nothing else."""
    base = Case(
        evaluation_date=EVALUATION_DATE,
        patient=patient(),
        episode_start_date=EPISODE_START,
        trials=(
            trial(),
            trial(
                drug="escitalopram",
                daily_dose_mg=20,
                start_date=dt.date(2026, 3, 5),
                stop_date=dt.date(2026, 5, 1),
                improvement_percent=20,
            ),
        ),
        medical_history=history(),
        current_medications=(),
        baseline_vitals=Vitals(systolic_mmhg=120, diastolic_mmhg=80, heart_rate_bpm=70, spo2_percent=98),
    )
    return dataclasses.replace(base, **changes)
