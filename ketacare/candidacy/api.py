"""REST endpoints of candidacy (/api/v1/candidacy): the same actions and selectors as the pages."""

import datetime as dt
from typing import Annotated

from ninja import Router, Schema
from pydantic import StringConstraints

from ketacare.candidacy import actions
from ketacare.candidacy.selectors import Candidacy, access_candidacy_by_patient_id, medicine_class
from ketacare.lib.api import READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.lib.text import NO_NUL

router = Router(tags=["candidacy"])

Text = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=200)]


class SubstanceUseIn(Schema):
    substance: Text
    status: Text


class PsychotherapyIn(Schema):
    kind: Text
    sessions: int | None = None


class CourseIn(Schema):
    sessions: int
    response: Text


class PriorKetamineIn(Schema):
    drug: Text
    route: Text
    response: Text


class TrialIn(Schema):
    drug: Text
    daily_dose_mg: float
    start_date: dt.date
    stop_date: dt.date | None = None
    adherence: Text
    improvement_percent: float
    stop_reason: Text | None = None
    augmentation: bool = False


class IntakeIn(Schema):
    """The whole intake (PUT replaces it); null or left out = not answered. `trials` replaces the trial list."""

    episode_start_date: dt.date | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    aneurysmal_vascular_disease: bool | None = None
    arteriovenous_malformation: bool | None = None
    intracerebral_haemorrhage: bool | None = None
    hypertension: Text | None = None
    hypertensive_encephalopathy: bool | None = None
    cardiovascular_disease: bool | None = None
    psychosis: Text | None = None
    liver_disease: Text | None = None
    interstitial_cystitis: bool | None = None
    ketamine_hypersensitivity: bool | None = None
    substance_use_disorders: list[SubstanceUseIn] = []
    psychotherapy: list[PsychotherapyIn] = []
    ect: CourseIn | None = None
    tms: CourseIn | None = None
    prior_ketamine: list[PriorKetamineIn] = []
    systolic_mmhg: int | None = None
    diastolic_mmhg: int | None = None
    heart_rate_bpm: int | None = None
    spo2_percent: float | None = None
    trials: list[TrialIn] | None = None


class TrialOut(Schema):
    id: int
    drug: str
    daily_dose_mg: float
    start_date: dt.date
    stop_date: dt.date | None
    adherence: str
    improvement_percent: float
    stop_reason: str | None
    augmentation: bool


class IntakeOut(Schema):
    status: str
    episode_start_date: dt.date | None
    pregnant: bool | None
    breastfeeding: bool | None
    aneurysmal_vascular_disease: bool | None
    arteriovenous_malformation: bool | None
    intracerebral_haemorrhage: bool | None
    hypertension: str | None
    hypertensive_encephalopathy: bool | None
    cardiovascular_disease: bool | None
    psychosis: str | None
    liver_disease: str | None
    interstitial_cystitis: bool | None
    ketamine_hypersensitivity: bool | None
    substance_use_disorders: list[dict]
    psychotherapy: list[dict]
    ect: dict | None
    tms: dict | None
    prior_ketamine: list[dict]
    systolic_mmhg: int | None
    diastolic_mmhg: int | None
    heart_rate_bpm: int | None
    spo2_percent: float | None
    trials: list[TrialOut]
    updated_at: dt.datetime
    reviewed_at: dt.datetime | None


class MedicineOut(Schema):
    name: str
    drug_class: str


class FindingOut(Schema):
    code: str
    severity: str
    explanation: str
    source: str


class RouteOut(Schema):
    label: str
    status: str
    findings: list[FindingOut]


class TrialAssessmentOut(Schema):
    index: int
    drug: str
    status: str
    counted: bool
    days_in_episode: int
    minimum_dose_mg: float | None
    reasons: list[str]


class TrdOut(Schema):
    met: bool
    adequate_failures: int
    threshold: int
    minimum_trial_weeks: float
    episode_start_date: str
    trials: list[TrialAssessmentOut]


class EvaluationOut(Schema):
    evaluation_date: str
    age_years: int
    note: str
    trd: TrdOut
    routes: dict[str, RouteOut]


class DecisionOut(Schema):
    id: int
    route: str
    result: str
    decision: str
    override: bool
    reason: str
    decided_by: str
    decided_at: dt.datetime
    snapshot: dict


class CandidacyOut(Schema):
    patient_id: int
    intake: IntakeOut | None
    weight_kg: float | None
    current_medications: list[MedicineOut]
    evaluation: EvaluationOut | None
    problem: str  # why there is no evaluation; "" when there is one
    decisions: list[DecisionOut]


class DecisionIn(Schema):
    route: Text
    decision: Text
    reason: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=5000)] = ""


def _intake_out(intake) -> dict | None:
    if intake is None:
        return None
    values = {name: getattr(intake, name) for name in IntakeOut.model_fields if hasattr(intake, name)}
    values.update({name: values[name] or None for name in ("hypertension", "psychosis", "liver_disease")})
    values["spo2_percent"] = float(intake.spo2_percent) if intake.spo2_percent is not None else None
    values["trials"] = [
        {
            "id": t.pk,
            "drug": t.drug,
            "daily_dose_mg": float(t.daily_dose_mg),
            "start_date": t.start_date,
            "stop_date": t.stop_date,
            "adherence": t.adherence,
            "improvement_percent": float(t.percent_improvement),
            "stop_reason": t.reason_stopped or None,
            "augmentation": t.augmentation,
        }
        for t in intake.trials.all()
    ]
    return values


def _decision_out(d) -> dict:
    return {
        "id": d.pk,
        "route": d.route,
        "result": d.result,
        "decision": d.decision,
        "override": d.override,
        "reason": d.reason,
        "decided_by": d.decided_by.get_username(),
        "decided_at": d.decided_at,
        "snapshot": d.snapshot,
    }


def candidacy_out(candidacy: Candidacy) -> dict:
    return {
        "patient_id": candidacy.patient.pk,
        "intake": _intake_out(candidacy.intake),
        "weight_kg": float(candidacy.weight_kg) if candidacy.weight_kg is not None else None,
        "current_medications": [
            {"name": m.name, "drug_class": medicine_class(m.name).value} for m in candidacy.medications
        ],
        "evaluation": candidacy.result_dict,
        "problem": candidacy.problem,
        "decisions": [_decision_out(d) for d in candidacy.decisions],
    }


@router.get("/patients/{patient_id}", response={200: CandidacyOut, **READ_ERRORS})
def get_candidacy(request, patient_id: int = PathId):
    """The intake and its evaluation under the clinic's policy, with the decisions (staff; audited)."""
    return candidacy_out(access_candidacy_by_patient_id(request.auth, patient_id))


@router.put("/patients/{patient_id}/intake", response={200: CandidacyOut, **WRITE_ERRORS})
def put_intake(request, payload: IntakeIn, patient_id: int = PathId):
    """Replace the intake (nurse or prescriber); saving marks it reviewed."""
    fields = payload.dict(exclude={"trials"})
    trials = payload.dict()["trials"]
    actions.do_save_intake(request.auth, patient_id, trials=trials, **fields)
    return candidacy_out(access_candidacy_by_patient_id(request.auth, patient_id))


@router.post("/patients/{patient_id}/decisions", response={201: DecisionOut, **WRITE_ERRORS})
def post_decision(request, payload: DecisionIn, patient_id: int = PathId):
    """Approve or decline one route (prescriber). Approving a not-eligible route needs a reason (override)."""
    return 201, _decision_out(actions.do_record_decision(request.auth, patient_id, **payload.dict()))
