"""Access-checked reads of protocol templates and treatment plans.

- templates: staff see the built-ins and their own organisation's;
- plans: staff with PLANS_VIEW see only their own organisation's patients' plans (audited);
- anyone else: 404 (or 403 for a role without the permission).
"""

import datetime as dt
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.measures.domain.library import INSTRUMENTS, get_instrument
from ketacare.measures.models import MeasurementSettings
from ketacare.measures.selectors import effective_responses, remission_max
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id
from ketacare.protocols.domain.errors import ProtocolRuleError
from ketacare.protocols.domain.maintenance import (
    ESKETAMINE_PARAMETERS,
    IV_PARAMETERS,
    MaintenanceParameters,
    MaintenanceProposal,
    ScoreSeries,
    propose_maintenance,
)
from ketacare.protocols.models import (
    AdjunctCareItem,
    MaintenanceDecision,
    PlannedSession,
    PlanRevision,
    ProtocolSettings,
    ProtocolTemplate,
    Route,
    TreatmentPlan,
)


def visible_templates(user) -> QuerySet[ProtocolTemplate]:
    """Built-ins and the user's organisation's templates (every version)."""
    require_permission(user, Permission.PLANS_VIEW)
    return ProtocolTemplate.objects.filter(
        Q(organisation__isnull=True) | Q(organisation_id=user.organisation_id)
    ).select_related("organisation", "created_by")


def list_current_templates(user) -> list[ProtocolTemplate]:
    """The newest active version of each template the user's clinic can use.

    A clinic's own version of a code hides the built-in of the same code.
    """
    rows = list(visible_templates(user).filter(is_active=True).order_by("code", "-version"))
    own_codes = {t.code for t in rows if not t.is_builtin}
    newest: dict[str, ProtocolTemplate] = {}
    for template in rows:
        if template.is_builtin and template.code in own_codes:
            continue
        newest.setdefault(template.code, template)
    return list(newest.values())


def access_template_by_id(user, template_id: int) -> ProtocolTemplate:
    template = visible_templates(user).filter(pk=template_id).first()
    if template is None:
        raise Http404("No such protocol template")
    return template


def access_protocol_settings(user) -> ProtocolSettings:
    """The user's organisation's plan policy (unsaved defaults if none yet); clinic admins only."""
    require_permission(user, Permission.ORGANISATION_SETTINGS)
    return ProtocolSettings.for_organisation_id(user.organisation_id)


def may_override_plan_prerequisites(user) -> bool:
    """Whether the user's clinic lets its prescribers create or start a plan despite a missing prerequisite."""
    return (
        user.may(Permission.PLANS_MANAGE)
        and ProtocolSettings.for_organisation_id(user.organisation_id).prescriber_may_override_plan_prerequisites
    )


def _visible_plans(user) -> QuerySet[TreatmentPlan]:
    require_permission(user, Permission.PLANS_VIEW)
    if user.organisation_id is None:
        return TreatmentPlan.objects.none()
    return TreatmentPlan.objects.filter(patient__organisation_id=user.organisation_id).select_related(
        "patient", "patient__organisation", "template", "created_by", "dose_overridden_by"
    )


def access_plan_by_id(user, plan_id: int, *, audit: bool = True, for_update: bool = False) -> TreatmentPlan:
    plans = _visible_plans(user)
    if for_update:
        plans = plans.select_for_update(of=("self",))
    plan = plans.filter(pk=plan_id).first()
    if plan is None:
        raise Http404("No such treatment plan")
    if audit:
        record_event(user, AuditAction.VIEW, plan, patient=plan.patient)
    return plan


@dataclass(frozen=True)
class PlanDetail:
    plan: TreatmentPlan
    sessions: list[PlannedSession]
    adjuncts: list[AdjunctCareItem]
    revisions: list[PlanRevision]


def load_plan_detail(plan: TreatmentPlan) -> PlanDetail:
    """The lists of a plan the caller already holds (fetched through a selector or an action)."""
    return PlanDetail(
        plan=plan,
        sessions=list(plan.sessions.all()),
        adjuncts=list(plan.adjuncts.select_related("created_by")),
        revisions=list(plan.revisions.select_related("changed_by")),
    )


def access_plan_detail_by_id(user, plan_id: int) -> PlanDetail:
    """A plan with its sessions, adjuncts and revisions (audited as a view)."""
    return load_plan_detail(access_plan_by_id(user, plan_id))


def access_plans_by_patient_id(user, patient_id: int) -> tuple[Patient, list[TreatmentPlan]]:
    """A patient's plans, newest first (audited as one list); 404 for another organisation's patient."""
    require_permission(user, Permission.PLANS_VIEW)
    patient = access_patient_by_id(user, patient_id, audit=False)
    plans = list(_visible_plans(user).filter(patient=patient))
    record_event(
        user, AuditAction.LIST, object_type="protocols.treatmentplan", patient=patient, detail={"results": len(plans)}
    )
    return patient, plans


# ---------------------------------------------------------------------------
# Maintenance decision support

# Instruments an end-of-induction proposal can use: those with a response rule.
MAINTENANCE_INSTRUMENTS = {code: instrument.name for code, instrument in INSTRUMENTS.items() if instrument.response}
DEFAULT_MAINTENANCE_INSTRUMENT = "phq9"


@dataclass(frozen=True)
class MaintenanceReview:
    plan: TreatmentPlan
    series: ScoreSeries
    first_treatment_on: dt.date
    induction_end_on: dt.date
    proposal: MaintenanceProposal
    decisions: list[MaintenanceDecision]


def score_series(patient: Patient, instrument: str) -> ScoreSeries:
    """The patient's effective submitted totals of one instrument (an amendment replaces what it
    amends, at that response's time), each on the patient's local day."""
    zone = ZoneInfo(patient.zone_name)
    rows = (
        effective_responses()
        .filter(patient=patient, instrument=instrument, total__isnull=False)
        .order_by("taken_at", "id")
        .values_list("taken_at", "total")
    )
    return ScoreSeries(instrument, [(taken_at.astimezone(zone).date(), total) for taken_at, total in rows])


def maintenance_parameters(plan: TreatmentPlan, instrument: str) -> MaintenanceParameters:
    """The route's defaults, with the clinic's remission threshold (MADRS: clinic settings, CLINICAL.md §3)."""
    defaults = ESKETAMINE_PARAMETERS if plan.template.route == Route.INTRANASAL_ESKETAMINE else IV_PARAMETERS
    settings_row = MeasurementSettings.for_organisation(plan.patient.organisation)
    return replace(defaults, remission_max_total=remission_max(get_instrument(instrument), settings_row))


def build_maintenance_review(plan: TreatmentPlan, instrument: str) -> MaintenanceReview:
    """The proposal for a plan the caller already holds (fetched through a selector or an action)."""
    if instrument not in MAINTENANCE_INSTRUMENTS:
        raise ValidationError({"instrument": f"Choose one of: {', '.join(MAINTENANCE_INSTRUMENTS)}."})
    sessions = list(plan.sessions.all())
    first_treatment_on = sessions[0].window_start if sessions else plan.start_date
    induction_end_on = sessions[-1].window_end if sessions else plan.start_date
    parameters = maintenance_parameters(plan, instrument)
    series = score_series(plan.patient, instrument)
    try:
        proposal = propose_maintenance(series, first_treatment_on, induction_end_on, parameters)
    except ProtocolRuleError as error:
        raise ValidationError({error.field: error.problem}) from None
    return MaintenanceReview(
        plan=plan,
        series=series,
        first_treatment_on=first_treatment_on,
        induction_end_on=induction_end_on,
        proposal=proposal,
        decisions=list(plan.maintenance_decisions.select_related("decided_by")),
    )


def access_maintenance_review_by_plan_id(
    user, plan_id: int, instrument: str = DEFAULT_MAINTENANCE_INSTRUMENT
) -> MaintenanceReview:
    """The end-of-induction proposal from the patient's scores (audited as a view of the plan)."""
    require_permission(user, Permission.MEASURES_VIEW)
    plan = access_plan_by_id(user, plan_id, audit=False)
    review = build_maintenance_review(plan, instrument)
    record_event(
        user,
        AuditAction.VIEW,
        plan,
        patient=plan.patient,
        detail={
            "maintenance_proposal": review.proposal.proposal.value,
            "instrument": instrument,
        },
    )
    return review
