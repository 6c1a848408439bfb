"""Every write to protocol templates and treatment plans: one transaction, audited.

Plans are versioned: each change adds a PlanRevision (who, when, why, and a snapshot of the
plan after the change). Templates are never edited in place: an edit is a new version.
"""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.forms.models import model_to_dict
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.settings_rows import update_organisation_settings
from ketacare.lib.text import clean_reason
from ketacare.measures.actions import WantedQuestionnaire, do_assign_questionnaires, do_close_questionnaires
from ketacare.measures.hooks import outcome_inputs_changed
from ketacare.measures.models import PATIENT_INSTRUMENT_CHOICES
from ketacare.patients.actions import advance_patient_stage
from ketacare.patients.models import CareStage, Patient, WeightMeasurement
from ketacare.patients.selectors import access_patient_by_id
from ketacare.protocols.domain.course import plan_course, session_questionnaires
from ketacare.protocols.domain.dosing import (
    DoseResult,
    DosingError,
    calculate_dose,
    check_dose_in_range,
    next_titration_step,
    to_decimal,
)
from ketacare.protocols.domain.errors import ProtocolRuleError
from ketacare.protocols.domain.maintenance import Decision
from ketacare.protocols.domain.plan_status import PlanStatus, check_plan_transition
from ketacare.protocols.models import (
    AdjunctCareItem,
    AdjunctKind,
    MaintenanceDecision,
    PlannedSession,
    PlanRevision,
    ProtocolSettings,
    ProtocolTemplate,
    TreatmentPlan,
)
from ketacare.protocols.prerequisites import plan_prerequisite_problems
from ketacare.protocols.selectors import (
    DEFAULT_MAINTENANCE_INSTRUMENT,
    access_plan_by_id,
    access_template_by_id,
    build_maintenance_review,
)

# What a clinic admin may set on a template; the rest (organisation, version, ...) is managed here.
TEMPLATE_FIELDS = frozenset(
    f.name for f in ProtocolTemplate._meta.get_fields() if getattr(f, "concrete", False) and not f.auto_created
) - {"organisation", "code", "version", "created_by", "created_at", "is_active"}


PROTOCOL_SETTINGS_FIELDS = ("prescriber_may_override_plan_prerequisites",)


def _rule_error(error: ProtocolRuleError) -> ValidationError:
    return ValidationError({error.field: error.problem})


# ---------------------------------------------------------------------------
# Templates


def _check_template_fields(fields: dict) -> None:
    unknown = {key: "This field cannot be set here." for key in fields if key not in TEMPLATE_FIELDS}
    if unknown:
        raise ValidationError(unknown)


@transaction.atomic
def do_create_template(actor, *, code: str, **fields) -> ProtocolTemplate:
    """A new template (version 1) for the actor's organisation."""
    require_permission(actor, Permission.PROTOCOLS_MANAGE)
    _check_template_fields(fields)
    if ProtocolTemplate.objects.filter(organisation_id=actor.organisation_id, code=code).exists():
        raise ValidationError({"code": "This clinic already has a template with this code; edit it instead."})
    template = ProtocolTemplate(organisation=actor.organisation, code=code, version=1, created_by=actor, **fields)
    template.full_clean()
    template.save(force_insert=True)
    record_event(actor, AuditAction.CREATE, template, detail={"code": code, "version": 1})
    return template


@transaction.atomic
def do_edit_template(actor, template_id: int, **changes) -> ProtocolTemplate:
    """Save the changes as the next version of the template; the old version stays as it was.

    Editing a built-in makes the clinic's own copy. The version before is deactivated (plans
    made from it keep pointing at it).
    """
    require_permission(actor, Permission.PROTOCOLS_MANAGE)
    _check_template_fields(changes)
    base = access_template_by_id(actor, template_id)
    values = {name: getattr(base, name) for name in TEMPLATE_FIELDS}
    values.update(changes)
    # Numbering continues from the built-in when a clinic first edits one.
    owners = Q(organisation_id=actor.organisation_id) | Q(organisation__isnull=True)
    # Locked rows, not an aggregate: PostgreSQL refuses FOR UPDATE with aggregates.
    versions = (
        ProtocolTemplate.objects.select_for_update().filter(owners, code=base.code).values_list("version", flat=True)
    )
    version = max(versions, default=0) + 1
    template = ProtocolTemplate(
        organisation=actor.organisation, code=base.code, version=version, created_by=actor, **values
    )
    template.full_clean()
    template.save(force_insert=True)
    ProtocolTemplate.objects.filter(organisation_id=actor.organisation_id, code=base.code).exclude(
        pk=template.pk
    ).update(is_active=False)
    record_event(
        actor,
        AuditAction.UPDATE,
        template,
        detail={
            "code": base.code,
            "version": version,
            "previous_id": base.pk,
            "fields": sorted(changes),
        },
    )
    return template


@transaction.atomic
def do_update_protocol_settings(actor, **values) -> ProtocolSettings:
    """A clinic admin sets the organisation's plan policy (may a prescriber override missing prerequisites)."""
    require_permission(actor, Permission.ORGANISATION_SETTINGS)
    return update_organisation_settings(actor, ProtocolSettings, PROTOCOL_SETTINGS_FIELDS, values)


# ---------------------------------------------------------------------------
# Plans


def _snapshot(plan: TreatmentPlan) -> dict:
    fields = model_to_dict(plan, fields=["status", "start_date", "dose_mg_per_kg", "dose_override_reason", "template"])
    return {
        **{k: (str(v) if isinstance(v, (Decimal, dt.date)) else v) for k, v in fields.items()},
        "template_version": plan.template.version,
        "sessions": [[s.sequence, s.window_start.isoformat(), s.window_end.isoformat()] for s in plan.sessions.all()],
        "adjuncts": [[a.kind, a.description, a.status] for a in plan.adjuncts.all()],
    }


def _add_revision(actor, plan: TreatmentPlan, reason: str) -> PlanRevision:
    last = plan.revisions.aggregate(n=Max("revision_number"))["n"] or 0
    return PlanRevision.objects.create(
        plan=plan, revision_number=last + 1, changed_by=actor, reason=reason, snapshot=_snapshot(plan)
    )


def _dose_mg_per_kg(value, template: ProtocolTemplate) -> Decimal | None:
    if not template.is_weight_based:
        if value not in (None, ""):
            raise ValidationError({"dose_mg_per_kg": "This protocol uses a fixed dose schedule, not mg/kg."})
        return None
    chosen = template.dose_mg_per_kg if value in (None, "") else value
    if chosen is None:
        raise ValidationError({"dose_mg_per_kg": "The protocol has no default dose: choose one."})
    try:
        dose = to_decimal("dose_mg_per_kg", chosen)
        if dose <= 0:
            raise DosingError("dose_mg_per_kg", "must be more than 0")
        check_dose_in_range(dose, template.limits())
    except DosingError as error:
        raise _rule_error(error) from None
    if dose.as_tuple().exponent < -3 or dose >= 10_000:
        raise ValidationError({"dose_mg_per_kg": "Use at most 3 decimal places."})
    return dose


def _checked_prerequisites(patient, template: ProtocolTemplate, override_reason: str) -> tuple[dict[str, str], str]:
    """The plan's missing prerequisites (prerequisites.py) and the override reason, or a refusal.

    Nothing missing: ({}, ""). Something missing: refused, unless the clinic lets prescribers override
    and a reason is given; then (what is missing, the reason) for the caller to keep and audit.
    """
    problems = plan_prerequisite_problems(patient, template)
    if not problems:
        return {}, ""
    reason = clean_reason(override_reason, field="override_reason", required=False)
    if ProtocolSettings.for_organisation_id(patient.organisation_id).prescriber_may_override_plan_prerequisites:
        if reason:
            return problems, reason
        hint = " To go ahead anyway, a prescriber gives the reason for overriding (clinic policy allows it)."
    else:
        hint = " This clinic's policy does not allow overriding it."
    raise ValidationError({field: problem + hint for field, problem in problems.items()})


def _record_prerequisite_override(actor, plan: TreatmentPlan, problems: dict[str, str], reason: str) -> None:
    plan.prerequisites_overridden, plan.prerequisites_override_reason = problems, reason
    plan.save(update_fields=["prerequisites_overridden", "prerequisites_override_reason"])
    record_event(
        actor,
        AuditAction.UPDATE,
        plan,
        patient=plan.patient,
        detail={"prerequisites_override": True, "missing": problems, "reason": reason, "status": plan.status},
    )


@transaction.atomic
def do_create_plan_from_template(
    actor, patient_id: int, *, template_id: int, start_date: dt.date, dose_mg_per_kg=None, override_reason: str = ""
) -> TreatmentPlan:
    """A proposed plan with its course windows computed from the template's induction schedule.

    Refused without the plan's prerequisites (an approved candidacy decision for the route, today's
    weight: prerequisites.py) unless the clinic allows a prescriber's override with `override_reason`.
    A dose above the protocol maximum is accepted but blocked until a prescriber overrides it.
    """
    require_permission(actor, Permission.PLANS_MANAGE)
    patient = access_patient_by_id(actor, patient_id, audit=False)
    template = access_template_by_id(actor, template_id)
    if not template.is_active:
        raise ValidationError({"template_id": "This template version is no longer in use; pick the current one."})
    missing = template.missing_for_use()
    if missing:
        raise ValidationError({"template_id": f"The clinic must set {', '.join(missing)} on this template first."})
    if not isinstance(start_date, dt.date):
        raise ValidationError({"start_date": "Enter a date."})
    if start_date < patient.today() - dt.timedelta(days=365) or start_date > patient.today() + dt.timedelta(days=730):
        raise ValidationError({"start_date": "The start date must be within a year ago and two years ahead."})
    dose = _dose_mg_per_kg(dose_mg_per_kg, template)
    try:
        windows = plan_course(start_date, template.induction_schedule())
    except ProtocolRuleError as error:
        raise _rule_error(error) from None
    problems, override = _checked_prerequisites(patient, template, override_reason)
    plan = TreatmentPlan.objects.create(
        patient=patient, template=template, start_date=start_date, dose_mg_per_kg=dose, created_by=actor
    )
    PlannedSession.objects.bulk_create(
        PlannedSession(plan=plan, sequence=w.sequence, window_start=w.window_start, window_end=w.window_end)
        for w in windows
    )
    _add_revision(actor, plan, "Created from template")
    record_event(
        actor,
        AuditAction.CREATE,
        plan,
        patient=patient,
        detail={
            "template": template.code,
            "template_version": template.version,
            "dose_mg_per_kg": str(dose) if dose is not None else None,
            "sessions": len(windows),
        },
    )
    if problems:
        _record_prerequisite_override(actor, plan, problems, override)
    return plan


@transaction.atomic
def do_change_plan_status(actor, plan_id: int, *, status: str, reason: str, override_reason: str = "") -> TreatmentPlan:
    """Start, pause, complete or stop a plan. Starting (or resuming) checks the plan's prerequisites
    again, as on creation; stopping or completing closes its pending questionnaires."""
    require_permission(actor, Permission.PLANS_MANAGE)
    reason = clean_reason(reason)
    plan = access_plan_by_id(actor, plan_id, audit=False, for_update=True)
    try:
        new_status = check_plan_transition(plan.status, status)
    except ProtocolRuleError as error:
        raise _rule_error(error) from None
    problems, override = {}, ""
    if new_status == PlanStatus.ACTIVE:
        if _dose_blocked(plan):
            raise ValidationError(
                {"status": "The dose is blocked: a prescriber must override it before the plan starts."}
            )
        problems, override = _checked_prerequisites(plan.patient, plan.template, override_reason)
    before = plan.status
    plan.status = new_status
    plan.save(update_fields=["status"])
    _add_revision(actor, plan, reason)
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        plan,
        patient=plan.patient,
        detail={"from": before, "to": new_status.value, "reason": reason},
    )
    if problems:
        _record_prerequisite_override(actor, plan, problems, override)
    if new_status in (PlanStatus.COMPLETED, PlanStatus.STOPPED):
        _close_plan_questionnaires(actor, plan, reason)
    _advance_stage_with(actor, plan)
    # Starting (or withdrawing) a plan moves the patient's first treatment, hence the baseline.
    outcome_inputs_changed.send(sender=TreatmentPlan, patients=[plan.patient])
    return plan


PATIENT_RATED_INSTRUMENTS = frozenset(code for code, _name in PATIENT_INSTRUMENT_CHOICES)
# Questionnaires fall due at this local time on the day a session is booked (or at its start, if earlier).
QUESTIONNAIRE_DUE_TIME = dt.time(8, 0)


def _advance_stage_with(actor, plan: TreatmentPlan) -> None:
    """The patient's care stage follows the plan: started → induction, completed → discharged."""
    if plan.status == PlanStatus.ACTIVE:
        advance_patient_stage(actor, plan.patient, CareStage.INDUCTION, because=f"Plan {plan.pk} started")
    elif plan.status == PlanStatus.COMPLETED:
        advance_patient_stage(actor, plan.patient, CareStage.DISCHARGED, because=f"Plan {plan.pk} completed")


def plan_key(plan: TreatmentPlan) -> str:
    """How measures' questionnaire assignments name the plan they were assigned for."""
    return f"protocols.treatmentplan:{plan.pk}"


def _close_plan_questionnaires(actor, plan: TreatmentPlan, reason: str) -> None:
    do_close_questionnaires(actor, plan.patient, plan_key=plan_key(plan), reason=f"Plan {plan.status}: {reason}")


def questionnaire_due_at(starts_at: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """When a booked session's questionnaires fall due: 08:00 on its local day, or its start if earlier."""
    local_start = starts_at.astimezone(zone)
    return min(starts_at, dt.datetime.combine(local_start.date(), QUESTIONNAIRE_DUE_TIME, tzinfo=zone))


class BookedSession(NamedTuple):
    """A plan's session as scheduling booked it: when, in which zone, and how measures name it."""

    planned_session: PlannedSession
    session_key: str
    starts_at: dt.datetime
    zone: dt.tzinfo


def assign_session_questionnaires(
    actor, planned_session: PlannedSession, *, session_key: str, starts_at: dt.datetime, zone: dt.tzinfo
) -> None:
    """A session of the plan was booked (scheduling calls this inside its transaction): the protocol's
    self-report questionnaires fall due on the booked session's local day (the first are the baseline)."""
    assign_booked_sessions_questionnaires(actor, [BookedSession(planned_session, session_key, starts_at, zone)])


def assign_booked_sessions_questionnaires(actor, sessions: Sequence[BookedSession]) -> None:
    """assign_session_questionnaires for several booked sessions (a course): one insert and one audit
    append per patient, however many sessions (each session's plan, template and patient loaded by the
    caller, select_related, or read here)."""
    wanted_by_patient: dict[int, tuple[Patient, list[WantedQuestionnaire]]] = {}
    for booked in sessions:
        plan = booked.planned_session.plan
        due_at = questionnaire_due_at(booked.starts_at, booked.zone)
        _, wanted = wanted_by_patient.setdefault(plan.patient_id, (plan.patient, []))
        wanted.extend(
            WantedQuestionnaire(
                item.instrument, due_at, item.reason, plan_key=plan_key(plan), session_key=booked.session_key
            )
            for item in session_questionnaires(
                plan.template.questionnaires_due, booked.planned_session.sequence, PATIENT_RATED_INSTRUMENTS
            )
        )
    for patient, wanted in wanted_by_patient.values():
        do_assign_questionnaires(actor, patient, wanted)


@transaction.atomic
def do_add_adjunct_item(actor, plan_id: int, *, kind: str, description: str) -> AdjunctCareItem:
    require_permission(actor, Permission.PLANS_MANAGE)
    plan = access_plan_by_id(actor, plan_id, audit=False, for_update=True)
    item = AdjunctCareItem(plan=plan, kind=kind, description=(description or "").strip(), created_by=actor)
    item.full_clean(exclude=["plan", "created_by"])
    item.save(force_insert=True)
    _add_revision(actor, plan, f"Added {AdjunctKind(kind).label.lower()}")
    record_event(actor, AuditAction.CREATE, item, patient=plan.patient, detail={"plan": plan.pk, "kind": kind})
    return item


def _latest_weight(plan: TreatmentPlan) -> WeightMeasurement | None:
    return plan.patient.weights.order_by("-measured_on", "-recorded_at").first()


def _calculate(
    plan: TreatmentPlan, *, dose_mg_per_kg=None, concentration_mg_per_ml=None, override_reason: str | None = None
) -> DoseResult:
    template = plan.template
    if not template.is_weight_based:
        raise ValidationError(
            {"dose_mg_per_kg": "This protocol uses a fixed dose schedule; there is no weight-based dose."}
        )
    weight = _latest_weight(plan)
    try:
        return calculate_dose(
            dose_mg_per_kg=plan.dose_mg_per_kg if dose_mg_per_kg in (None, "") else dose_mg_per_kg,
            weight_kg=weight.weight_kg if weight else None,
            weight_measured_on=weight.measured_on if weight else None,
            today=plan.patient.today(),
            limits=template.limits(),
            policy=template.policy(),
            concentration_mg_per_ml=(
                template.concentration_mg_per_ml if concentration_mg_per_ml in (None, "") else concentration_mg_per_ml
            ),
            override_reason=plan.dose_override_reason if override_reason is None else override_reason,
        )
    except DosingError as error:
        raise _rule_error(error) from None


def _dose_blocked(plan: TreatmentPlan) -> bool:
    if not plan.template.is_weight_based:
        return False
    try:
        return _calculate(plan).blocked
    except ValidationError:  # no recent weight yet: checked again when the dose is calculated
        return False


def do_calculate_dose(actor, plan_id: int, *, concentration_mg_per_ml=None, audit: bool = True) -> DoseResult:
    """The plan's dose for the patient's latest weight (read-only; audited as a view of the plan).

    audit=False when the caller has just audited its own view of the same plan (the plan page).
    """
    require_permission(actor, Permission.PLANS_VIEW)
    plan = access_plan_by_id(actor, plan_id, audit=False)
    result = _calculate(plan, concentration_mg_per_ml=concentration_mg_per_ml)
    if audit:
        record_event(
            actor,
            AuditAction.VIEW,
            plan,
            patient=plan.patient,
            detail={
                "dose_calculation": True,
                "dose_mg": str(result.dose_mg),
                "blocked": result.blocked,
            },
        )
    return result


@transaction.atomic
def do_override_dose(actor, plan_id: int, *, reason: str, dose_mg_per_kg=None) -> DoseResult:
    """A prescriber lifts the block on a dose above the protocol maximum, with a reason.

    `dose_mg_per_kg` changes the plan's dose at the same time; the protocol's hard cap still applies.
    """
    require_permission(actor, Permission.PLANS_MANAGE)
    reason = clean_reason(reason)
    plan = access_plan_by_id(actor, plan_id, audit=False, for_update=True)
    if plan.status in (PlanStatus.COMPLETED, PlanStatus.STOPPED):
        raise ValidationError({"dose_mg_per_kg": f"The plan is {plan.status}; its dose cannot change."})
    new_dose = (
        _dose_mg_per_kg(dose_mg_per_kg, plan.template) if dose_mg_per_kg not in (None, "") else plan.dose_mg_per_kg
    )
    result = _calculate(plan, dose_mg_per_kg=new_dose, override_reason="")
    if not result.block_reasons:
        raise ValidationError({"dose_mg_per_kg": "This dose is within the protocol's limits; no override is needed."})
    plan.dose_mg_per_kg = new_dose
    plan.dose_override_reason = reason
    plan.dose_overridden_by = actor
    plan.dose_overridden_at = timezone.now()
    plan.save(update_fields=["dose_mg_per_kg", "dose_override_reason", "dose_overridden_by", "dose_overridden_at"])
    _add_revision(actor, plan, reason)
    record_event(
        actor,
        AuditAction.UPDATE,
        plan,
        patient=plan.patient,
        detail={
            "override": True,
            "reason": reason,
            "dose_mg_per_kg": str(new_dose),
            "dose_mg": str(result.dose_mg),
            "block_reasons": list(result.block_reasons),
        },
    )
    return _calculate(plan)


@transaction.atomic
def do_change_plan_dose(actor, plan_id: int, *, dose_mg_per_kg=None, reason: str) -> DoseResult:
    """A prescriber changes the planned dose within the protocol's limits, e.g. titrating
    0.5 → 0.75 mg/kg after non-response. Without a dose it takes the template's next
    titration step. A dose above the protocol maximum goes through do_override_dose instead."""
    require_permission(actor, Permission.PLANS_MANAGE)
    reason = clean_reason(reason)
    plan = access_plan_by_id(actor, plan_id, audit=False, for_update=True)
    if plan.status in (PlanStatus.COMPLETED, PlanStatus.STOPPED):
        raise ValidationError({"dose_mg_per_kg": f"The plan is {plan.status}; its dose cannot change."})
    if dose_mg_per_kg in (None, ""):
        dose_mg_per_kg = next_titration_step_for(plan)
    new_dose = _dose_mg_per_kg(dose_mg_per_kg, plan.template)
    if new_dose == plan.dose_mg_per_kg:
        raise ValidationError({"dose_mg_per_kg": "That is already the planned dose."})
    result = _calculate(plan, dose_mg_per_kg=new_dose, override_reason="")
    if result.block_reasons:
        raise ValidationError(
            {
                "dose_mg_per_kg": "This dose is above the protocol's maximum: "
                "a prescriber overrides it with a reason instead."
            }
        )
    before = plan.dose_mg_per_kg
    plan.dose_mg_per_kg = new_dose
    # An earlier override was for an earlier dose; it does not carry over.
    plan.dose_override_reason, plan.dose_overridden_by, plan.dose_overridden_at = "", None, None
    plan.save(update_fields=["dose_mg_per_kg", "dose_override_reason", "dose_overridden_by", "dose_overridden_at"])
    _add_revision(actor, plan, reason)
    record_event(
        actor,
        AuditAction.UPDATE,
        plan,
        patient=plan.patient,
        detail={
            "fields": ["dose_mg_per_kg"],
            "from": str(before),
            "to": str(new_dose),
            "reason": reason,
        },
    )
    return _calculate(plan)


def next_titration_step_for(plan: TreatmentPlan) -> Decimal:
    """The template's next titration step above the plan's dose (ValidationError at the top)."""
    steps = plan.template.titration_steps_mg_per_kg
    try:
        step = next_titration_step(plan.dose_mg_per_kg, steps) if steps and plan.dose_mg_per_kg else None
    except DosingError as error:
        raise _rule_error(error) from None
    if step is None:
        raise ValidationError({"dose_mg_per_kg": "The protocol has no higher titration step: give a dose."})
    return step


def mark_planned_session_completed(planned_session_id: int, completed_at: dt.datetime) -> None:
    """The session took place: scheduling calls this inside its transaction when the session's appointment
    is completed (at discharge, which the caller has checked and audited)."""
    PlannedSession.objects.filter(pk=planned_session_id, completed_at__isnull=True).update(completed_at=completed_at)


# ---------------------------------------------------------------------------
# Maintenance decisions


@transaction.atomic
def do_record_maintenance_decision(
    actor,
    plan_id: int,
    *,
    decision: str,
    instrument: str = DEFAULT_MAINTENANCE_INSTRUMENT,
    interval_weeks: int | None = None,
    note: str = "",
) -> MaintenanceDecision:
    """The prescriber's end-of-induction decision, kept with the proposal it was made against.

    The proposal is computed here from the stored scores, never taken from the client. Deciding
    otherwise than proposed (or when the data were insufficient) needs a note. Stop completes the plan.
    """
    require_permission(actor, Permission.PLANS_MANAGE)
    plan = access_plan_by_id(actor, plan_id, audit=False, for_update=True)
    if plan.status not in (PlanStatus.ACTIVE, PlanStatus.PAUSED, PlanStatus.COMPLETED):
        raise ValidationError(
            {"decision": f"The plan is {plan.status}: a maintenance decision follows a started induction."}
        )
    try:
        chosen = Decision(decision)
    except ValueError:
        raise ValidationError({"decision": f"Choose one of: {', '.join(d.value for d in Decision)}."}) from None
    note = clean_reason(note, field="note", required=False)
    sessions = list(plan.sessions.all())
    sessions_done = sum(1 for session in sessions if session.completed_at is not None)
    early_stop = sessions_done < len(sessions)
    if early_stop and chosen != Decision.STOP:
        raise ValidationError(
            {
                "decision": f"The induction is not over: {sessions_done} of {len(sessions)} sessions have taken "
                "place. Decide when the last one has, or stop early with a reason."
            }
        )
    if early_stop and not note:
        raise ValidationError(
            {
                "note": f"Stopping before the end of the induction ({sessions_done} of {len(sessions)} sessions "
                "done) needs a reason."
            }
        )
    review = build_maintenance_review(plan, instrument)
    proposal = review.proposal
    if chosen != proposal.decision and not note:
        proposed = proposal.proposal.value.replace("_", " ")
        raise ValidationError({"note": f"The proposal was {proposed}: a note is required to decide {chosen.value}."})
    if chosen == Decision.CONTINUE:
        interval_weeks = interval_weeks if interval_weeks is not None else proposal.interval_weeks_min
        if interval_weeks is None:
            raise ValidationError({"interval_weeks": "Enter the maintenance interval in weeks."})
    elif interval_weeks is not None:
        raise ValidationError({"interval_weeks": "An interval is only set when continuing to maintenance."})
    record = MaintenanceDecision(
        plan=plan,
        proposal=proposal.as_dict(),
        decision=chosen.value,
        interval_weeks=interval_weeks,
        note=note,
        decided_by=actor,
    )
    record.full_clean(exclude=["plan", "decided_by"])
    record.save(force_insert=True)
    before = plan.status
    if chosen == Decision.STOP and before != PlanStatus.COMPLETED:
        # The induction ran its course: completed from active; a paused plan or an early stop is stopped.
        ran_its_course = before == PlanStatus.ACTIVE and not early_stop
        plan.status = PlanStatus.COMPLETED if ran_its_course else PlanStatus.STOPPED
        plan.save(update_fields=["status"])
    interval = f", every {interval_weeks} weeks" if interval_weeks else ""
    reason = f"Maintenance decision: {chosen.value}{interval} (proposal: {proposal.proposal.value})"
    _add_revision(actor, plan, f"{reason}. {note}" if note else reason)
    record_event(
        actor,
        AuditAction.CREATE,
        record,
        patient=plan.patient,
        detail={
            "plan": plan.pk,
            "decision": chosen.value,
            "proposal": proposal.proposal.value,
            "instrument": instrument,
            "interval_weeks": interval_weeks,
            "overrides_proposal": chosen != proposal.decision,
            "early_stop": early_stop,
        },
    )
    if plan.status != before:
        record_event(
            actor,
            AuditAction.STATUS_CHANGE,
            plan,
            patient=plan.patient,
            detail={"from": before, "to": plan.status, "reason": reason},
        )
        _close_plan_questionnaires(actor, plan, reason)
        _advance_stage_with(actor, plan)
    if chosen == Decision.CONTINUE:
        advance_patient_stage(actor, plan.patient, CareStage.MAINTENANCE, because="End of induction: maintenance")
    return record
