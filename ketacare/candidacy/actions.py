"""Every candidacy write: one transaction, one audit entry per change.

Audit details name the fields that changed, never their values (as in patients/actions.py).
Values are checked by the model and by the domain parser, so anything stored
here reads back as a case the rules accept, or names the one question still open.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.candidacy.domain.case import CaseError
from ketacare.candidacy.domain.findings import Eligibility, Route
from ketacare.candidacy.domain.parse import parse_part
from ketacare.candidacy.models import (
    AntidepressantTrial,
    CandidacyDecision,
    CandidacyPolicySetting,
    Decision,
    Intake,
    IntakeStatus,
)
from ketacare.candidacy.selectors import access_own_intake, evaluate_patient, policy_as_dict
from ketacare.clinics.settings_rows import update_organisation_settings
from ketacare.patients.actions import advance_patient_stage, do_record_weight
from ketacare.patients.models import CareStage, Patient
from ketacare.patients.selectors import access_patient_by_id

_VITALS = ("systolic_mmhg", "diastolic_mmhg", "heart_rate_bpm", "spo2_percent")
_JSON_PARTS = ("substance_use_disorders", "psychotherapy", "ect", "tms", "prior_ketamine")
# The intake answers a form edits as the model's own fields, in the order the staff form asks them;
# the list answers (_JSON_PARTS) are typed as lines and parsed by the form instead.
INTAKE_PLAIN_FIELDS = (
    "episode_start_date",
    "pregnant",
    "breastfeeding",
    "aneurysmal_vascular_disease",
    "arteriovenous_malformation",
    "intracerebral_haemorrhage",
    "hypertension",
    "hypertensive_encephalopathy",
    "cardiovascular_disease",
    "psychosis",
    "liver_disease",
    "interstitial_cystitis",
    "ketamine_hypersensitivity",
    *_VITALS,
)
INTAKE_FIELDS = frozenset(INTAKE_PLAIN_FIELDS + _JSON_PARTS)
# Vitals are measured at the clinic, not reported by the patient.
PATIENT_INTAKE_FIELDS = INTAKE_FIELDS - set(_VITALS)
_TRIAL_FIELDS = {
    "drug": "drug",
    "daily_dose_mg": "daily_dose_mg",
    "start_date": "start_date",
    "stop_date": "stop_date",
    "adherence": "adherence",
    "improvement_percent": "percent_improvement",
    "stop_reason": "reason_stopped",
    "augmentation": "augmentation",
}
_NOT_REVALIDATED = ["patient", "entered_by", "reviewed_by", "intake"]
# What "not answered" is stored as, where the column is not nullable.
_UNANSWERED = {
    "hypertension": "",
    "psychosis": "",
    "liver_disease": "",
    "substance_use_disorders": [],
    "psychotherapy": [],
    "prior_ketamine": [],
}


def _field_of(exc: CaseError, fields) -> str:
    """The form field a domain error is about: `baseline_vitals.diastolic_mmhg` -> diastolic_mmhg."""
    for part in reversed(exc.path.replace("[", ".").split(".")):
        if part in fields:
            return part
    return exc.path.split(".")[0].split("[")[0] or "__all__"


def _not_in_future(errors: dict, name: str, day: dt.date | None, today: dt.date) -> None:
    if day is not None and day > today:
        errors[name] = f"{day.isoformat()} is in the future (today is {today.isoformat()})."


def _check_intake(intake: Intake, today: dt.date) -> None:
    """Model checks plus the domain's own reading of every part that has been answered."""
    errors: dict[str, list[str] | str] = {}
    try:
        intake.full_clean(exclude=_NOT_REVALIDATED)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    _not_in_future(errors, "episode_start_date", intake.episode_start_date, today)
    for name in _JSON_PARTS:
        value = getattr(intake, name)
        if value not in (None, []) and name not in errors:
            try:
                parse_part(name, value)
            except CaseError as exc:
                errors[name] = exc.message if exc.path == name else str(exc)
    if not any(name in errors for name in _VITALS) and (
        intake.systolic_mmhg is not None or intake.diastolic_mmhg is not None
    ):
        vitals = {
            "systolic_mmhg": intake.systolic_mmhg,
            "diastolic_mmhg": intake.diastolic_mmhg,
            "heart_rate_bpm": intake.heart_rate_bpm,
            "spo2_percent": float(intake.spo2_percent) if intake.spo2_percent is not None else None,
        }
        try:
            parse_part("baseline_vitals", vitals)
        except CaseError as exc:
            errors[_field_of(exc, _VITALS)] = exc.message
    if errors:
        raise ValidationError(errors)


def _save_intake(actor, patient: Patient, fields: dict, allowed: frozenset, status: IntakeStatus) -> Intake:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError({unknown[0]: "This field cannot be set here."})
    fields = {
        name: _UNANSWERED.get(name) if value is None and name in _UNANSWERED else value
        for name, value in fields.items()
    }
    intake = Intake.objects.select_for_update().filter(patient=patient).first()
    created = intake is None
    if created:
        intake = Intake(patient=patient, entered_by=actor)
    changed = [name for name, value in fields.items() if getattr(intake, name) != value]
    for name, value in fields.items():
        setattr(intake, name, value)
    _check_intake(intake, patient.today())
    if status == IntakeStatus.CONFIRMED:
        intake.reviewed_by, intake.reviewed_at = actor, timezone.now()
    else:
        intake.entered_by, intake.reviewed_by, intake.reviewed_at = actor, None, None
    status_changed = intake.status != status
    intake.status = status
    if created:
        intake.save(force_insert=True)
        record_event(actor, AuditAction.CREATE, intake, patient=patient, detail={"fields": sorted(changed)})
    else:
        intake.save(update_fields=[*changed, "status", "entered_by", "reviewed_by", "reviewed_at", "updated_at"])
        action = AuditAction.UPDATE if changed or not status_changed else AuditAction.STATUS_CHANGE
        record_event(actor, action, intake, patient=patient, detail={"fields": sorted(changed), "status": status})
    return intake


@transaction.atomic
def do_save_intake(
    actor, patient_id: int, *, weight_kg: Decimal | None = None, trials: list[dict] | None = None, **fields
) -> Intake:
    """Staff enter or review the intake; saving it marks it reviewed.

    A weight is recorded on the chart; `trials`, when given, replaces the trial list.
    """
    require_permission(actor, Permission.CANDIDACY_EDIT)
    patient = access_patient_by_id(actor, patient_id, audit=False)
    intake = _save_intake(actor, patient, fields, INTAKE_FIELDS, IntakeStatus.CONFIRMED)
    advance_patient_stage(actor, patient, CareStage.SCREENING, because="Candidacy intake entered")
    if trials is not None:
        _replace_trials(actor, patient, intake, trials)
    if weight_kg is not None:
        do_record_weight(actor, patient.pk, weight_kg=weight_kg, measured_on=patient.today())
    return intake


@transaction.atomic
def do_confirm_intake(actor, patient_id: int) -> Intake:
    """Staff confirm a patient-entered intake as reviewed, unchanged."""
    require_permission(actor, Permission.CANDIDACY_EDIT)
    patient = access_patient_by_id(actor, patient_id, audit=False)
    if not Intake.objects.filter(patient=patient).exists():
        raise ValidationError({"intake": "There is no intake to confirm yet."})
    return _save_intake(actor, patient, {}, INTAKE_FIELDS, IntakeStatus.CONFIRMED)


@transaction.atomic
def do_save_own_intake(actor, **fields) -> Intake:
    """A patient pre-fills their own intake in the portal: saved as a draft for staff to review."""
    patient, _ = access_own_intake(actor)
    intake = _save_intake(actor, patient, fields, PATIENT_INTAKE_FIELDS, IntakeStatus.PATIENT_ENTERED)
    advance_patient_stage(actor, patient, CareStage.SCREENING, because="Candidacy intake entered by the patient")
    return intake


def _intake_for_trials(actor, patient_id: int) -> tuple[Patient, Intake]:
    require_permission(actor, Permission.CANDIDACY_EDIT)
    patient = access_patient_by_id(actor, patient_id, audit=False)
    intake = Intake.objects.select_for_update().filter(patient=patient).first()
    if intake is None:
        raise ValidationError({"intake": "Save the intake before adding antidepressant trials."})
    return patient, intake


def _new_trial(intake: Intake, fields: dict, today: dt.date) -> AntidepressantTrial:
    """An unsaved, checked trial; errors name the trial fields as in docs/candidacy.md."""
    unknown = sorted(set(fields) - set(_TRIAL_FIELDS))
    if unknown:
        raise ValidationError({unknown[0]: "Not a field of a trial."})
    trial = AntidepressantTrial(intake=intake, **{_TRIAL_FIELDS[k]: v for k, v in fields.items()})
    trial.reason_stopped = trial.reason_stopped or ""  # no reason: blank, as the form sends it
    try:
        trial.full_clean(exclude=["intake"])
    except ValidationError as exc:
        raise ValidationError({_domain_name(k): v for k, v in exc.message_dict.items()}) from None
    errors: dict[str, str] = {}
    _not_in_future(errors, "start_date", trial.start_date, today)
    _not_in_future(errors, "stop_date", trial.stop_date, today)
    if errors:
        raise ValidationError(errors)
    try:
        parse_part(
            "trial",
            {
                "drug": trial.drug,
                "daily_dose_mg": float(trial.daily_dose_mg),
                "start_date": trial.start_date.isoformat(),
                "stop_date": trial.stop_date.isoformat() if trial.stop_date else None,
                "adherence": trial.adherence,
                "improvement_percent": float(trial.percent_improvement),
                "stop_reason": trial.reason_stopped or None,
                "augmentation": trial.augmentation,
            },
        )
    except CaseError as exc:
        raise ValidationError({_field_of(exc, _TRIAL_FIELDS): exc.message}) from None
    return trial


def _domain_name(model_field: str) -> str:
    return next((name for name, field in _TRIAL_FIELDS.items() if field == model_field), model_field)


def _replace_trials(actor, patient: Patient, intake: Intake, trials: list[dict]) -> None:
    """The API's PUT sends the whole list: check every new trial first, then swap."""
    new = []
    for index, fields in enumerate(trials):
        try:
            new.append(_new_trial(intake, fields, patient.today()))
        except ValidationError as exc:
            raise ValidationError({f"trials[{index}].{k}": v for k, v in exc.message_dict.items()}) from None
    for old in intake.trials.all():
        record_event(actor, AuditAction.STATUS_CHANGE, old, patient=patient, detail={"status": "removed"})
        old.delete()
    for trial in new:
        trial.save(force_insert=True)
        record_event(actor, AuditAction.CREATE, trial, patient=patient, detail={"fields": sorted(_TRIAL_FIELDS)})


@transaction.atomic
def do_add_trial(actor, patient_id: int, **fields) -> AntidepressantTrial:
    """Add an antidepressant trial to the patient's intake (fields as in docs/candidacy.md, *trial*)."""
    patient, intake = _intake_for_trials(actor, patient_id)
    trial = _new_trial(intake, fields, patient.today())
    trial.save(force_insert=True)
    record_event(actor, AuditAction.CREATE, trial, patient=patient, detail={"fields": sorted(fields)})
    return trial


@transaction.atomic
def do_remove_trial(actor, patient_id: int, trial_id: int) -> None:
    """Remove a trial entered by mistake (the audit entry keeps that it existed)."""
    patient, intake = _intake_for_trials(actor, patient_id)
    trial = intake.trials.filter(pk=trial_id).first()
    if trial is None:
        raise Http404("No such trial on this patient's intake")
    record_event(actor, AuditAction.STATUS_CHANGE, trial, patient=patient, detail={"status": "removed"})
    trial.delete()


@transaction.atomic
def do_record_decision(actor, patient_id: int, *, route: str, decision: str, reason: str = "") -> CandidacyDecision:
    """A prescriber approves or declines one route, against the evaluation as it stands now.

    The snapshot stores that evaluation's findings and policy, so the record shows what the
    decision was based on even after the intake or the policy changes.

    Approving a route that is not eligible is an override: it needs a reason and is audited as one.
    """
    require_permission(actor, Permission.CANDIDACY_DECIDE)
    patient = access_patient_by_id(actor, patient_id, audit=False)
    if route not in {r.value for r in Route}:
        raise ValidationError({"route": f"Unknown route {route!r}; one of: {', '.join(r.value for r in Route)}."})
    if decision not in Decision.values:
        raise ValidationError({"decision": f"Must be one of: {', '.join(Decision.values)}."})
    reason = (reason or "").strip()
    candidacy = evaluate_patient(patient)
    if candidacy.intake is not None and candidacy.intake.awaiting_review:
        # Patient-entered answers are a draft until a clinician has gone through them.
        raise ValidationError({"intake": "The intake was entered by the patient and is not reviewed yet."})
    if candidacy.result is None:
        raise ValidationError({"intake": f"The intake cannot be evaluated yet: {candidacy.problem}"})
    route_result = candidacy.result_dict["routes"][route]
    override = decision == Decision.APPROVE and route_result["status"] == Eligibility.NOT_ELIGIBLE
    if override and not reason:
        raise ValidationError({"reason": "Approving a route that is not eligible is an override: give the reason."})
    record = CandidacyDecision(
        patient=patient,
        route=route,
        result=route_result["status"],
        decision=decision,
        override=override,
        reason=reason,
        decided_by=actor,
        decided_at=timezone.now(),
        snapshot={
            "evaluation_date": candidacy.result.evaluation_date.isoformat(),
            "trd_met": candidacy.result.trd.met,
            "findings": route_result["findings"],
            "policy": policy_as_dict(candidacy.policy),
        },
    )
    record.full_clean(exclude=["patient", "decided_by"])
    record.save(force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        record,
        patient=patient,
        detail={"route": route, "decision": decision, "result": record.result, "override": override},
    )
    if decision == Decision.APPROVE:
        advance_patient_stage(actor, patient, CareStage.CONSULTATION, because=f"Candidacy approved for {route}")
    return record


@transaction.atomic
def do_update_candidacy_policy(actor, **values) -> CandidacyPolicySetting:
    """A clinic admin changes their organisation's policy parameters; unusable combinations are refused."""
    require_permission(actor, Permission.ORGANISATION_SETTINGS)
    return update_organisation_settings(
        actor, CandidacyPolicySetting, CandidacyPolicySetting.PARAMETERS, values, "Not a policy parameter."
    )
