"""Every write to protocol templates and treatment plans: one transaction, audited.

Plans are versioned: each change adds a PlanRevision (who, when, why, and a snapshot of the
plan after the change). Templates are never edited in place: an edit is a new version.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.forms.models import model_to_dict
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.lib.text import clean_reason
from ketacare.measures.actions import do_assign_questionnaire
from ketacare.measures.hooks import outcome_inputs_changed
from ketacare.measures.models import PATIENT_INSTRUMENT_CHOICES
from ketacare.patients.models import WeightMeasurement
from ketacare.patients.selectors import access_patient_by_id
from ketacare.protocols.domain.course import plan_course, questionnaire_schedule
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
    ProtocolTemplate,
    TreatmentPlan,
)
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


@transaction.atomic
def do_create_plan_from_template(
    actor, patient_id: int, *, template_id: int, start_date: dt.date, dose_mg_per_kg=None
) -> TreatmentPlan:
    """A proposed plan with its course windows computed from the template's induction schedule.

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
    return plan


@transaction.atomic
def do_change_plan_status(actor, plan_id: int, *, status: str, reason: str) -> TreatmentPlan:
    require_permission(actor, Permission.PLANS_MANAGE)
    reason = clean_reason(reason)
    plan = access_plan_by_id(actor, plan_id, audit=False, for_update=True)
    try:
        new_status = check_plan_transition(plan.status, status)
    except ProtocolRuleError as error:
        raise _rule_error(error) from None
    if new_status == PlanStatus.ACTIVE and _dose_blocked(plan):
        raise ValidationError({"status": "The dose is blocked: a prescriber must override it before the plan starts."})
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
    if new_status == PlanStatus.ACTIVE and before == PlanStatus.PROPOSED:
        _assign_protocol_questionnaires(actor, plan)
    # Starting (or withdrawing) a plan moves the patient's first treatment, hence the baseline.
    outcome_inputs_changed.send(sender=TreatmentPlan, patients=[plan.patient])
    return plan


PATIENT_RATED_INSTRUMENTS = frozenset(code for code, _name in PATIENT_INSTRUMENT_CHOICES)
# Questionnaires fall due at this local time on the first day of a session's window.
QUESTIONNAIRE_DUE_TIME = dt.time(8, 0)


def _assign_protocol_questionnaires(actor, plan: TreatmentPlan) -> None:
    """The protocol's self-report questionnaires, one per planned session (the first is the baseline)."""
    sessions = [(s.window_start, s.window_end) for s in plan.sessions.order_by("sequence")]
    schedule = questionnaire_schedule(plan.template.questionnaires_due, sessions, PATIENT_RATED_INSTRUMENTS)
    location = plan.patient.home_location
    zone = location.zone if location else dt.UTC
    for item in schedule:
        due_at = dt.datetime.combine(item.due_on, QUESTIONNAIRE_DUE_TIME, tzinfo=zone)
        do_assign_questionnaire(actor, plan.patient, item.instrument, due_at, item.reason)


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
    review = build_maintenance_review(plan, instrument)
    proposal = review.proposal
    note = clean_reason(note, field="note", required=False)
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
        # The induction ran its course: completed from active; a paused plan can only be stopped.
        plan.status = PlanStatus.COMPLETED if before == PlanStatus.ACTIVE else PlanStatus.STOPPED
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
    return record
