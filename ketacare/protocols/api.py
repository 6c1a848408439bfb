"""REST endpoints of protocols and treatment plans (/api/v1/protocols): the same actions and selectors as the pages."""

from ninja import Query, Router

from ketacare.lib.api import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.protocols import actions
from ketacare.protocols.schemas import (
    AdjunctIn,
    AdjunctOut,
    DoseChangeIn,
    DoseIn,
    DoseOut,
    MaintenanceDecisionIn,
    MaintenanceDecisionOut,
    MaintenanceInstrument,
    MaintenanceProposalOut,
    OverrideIn,
    PlanIn,
    PlanOut,
    PlanStatusIn,
    TemplateIn,
    TemplateOut,
    dose_out,
    maintenance_decision_out,
    maintenance_proposal_out,
    plan_out,
)
from ketacare.protocols.selectors import (
    access_maintenance_review_by_plan_id,
    access_plan_detail_by_id,
    list_current_templates,
    load_plan_detail,
)

router = Router(tags=["protocols"])


@router.get("/templates", response={200: list[TemplateOut], **LIST_ERRORS})
def list_templates(request):
    """The current version of each template the clinic can use (built-ins and its own)."""
    return list_current_templates(request.auth)


@router.post("/templates", response={201: TemplateOut, **WRITE_ERRORS})
def create_template(request, payload: TemplateIn):
    """A new clinic template, version 1 (clinic admins)."""
    return 201, actions.do_create_template(request.auth, **payload.action_fields())


@router.post("/patients/{patient_id}/plans", response={201: PlanOut, **WRITE_ERRORS})
def create_plan(request, payload: PlanIn, patient_id: int = PathId):
    """A proposed plan from a template, with its course windows (prescribers)."""
    plan = actions.do_create_plan_from_template(request.auth, patient_id, **payload.dict())
    return 201, plan_out(load_plan_detail(plan))


@router.get("/plans/{plan_id}", response={200: PlanOut, **READ_ERRORS})
def get_plan(request, plan_id: int = PathId):
    return plan_out(access_plan_detail_by_id(request.auth, plan_id))


@router.post("/plans/{plan_id}/status", response={200: PlanOut, **WRITE_ERRORS})
def change_status(request, payload: PlanStatusIn, plan_id: int = PathId):
    plan = actions.do_change_plan_status(request.auth, plan_id, **payload.dict())
    return plan_out(load_plan_detail(plan))


@router.post("/plans/{plan_id}/adjuncts", response={201: AdjunctOut, **WRITE_ERRORS})
def add_adjunct(request, payload: AdjunctIn, plan_id: int = PathId):
    return 201, actions.do_add_adjunct_item(request.auth, plan_id, **payload.dict())


@router.post("/plans/{plan_id}/dose", response={200: DoseOut, **WRITE_ERRORS})
def calculate_dose(request, payload: DoseIn, plan_id: int = PathId):
    """The plan's dose for the patient's latest weight; `blocked` says whether an override is needed."""
    return dose_out(actions.do_calculate_dose(request.auth, plan_id, **payload.dict()))


@router.post("/plans/{plan_id}/dose-override", response={200: DoseOut, **WRITE_ERRORS})
def override_dose(request, payload: OverrideIn, plan_id: int = PathId):
    """A prescriber lifts the block on a dose above the protocol maximum, with a reason (audited)."""
    return dose_out(actions.do_override_dose(request.auth, plan_id, **payload.dict()))


@router.post("/plans/{plan_id}/dose-change", response={200: DoseOut, **WRITE_ERRORS})
def change_dose(request, payload: DoseChangeIn, plan_id: int = PathId):
    """A prescriber changes the dose within the protocol's limits (no dose: the next titration step)."""
    return dose_out(actions.do_change_plan_dose(request.auth, plan_id, **payload.dict()))


@router.get("/plans/{plan_id}/maintenance-proposal", response={200: MaintenanceProposalOut, **READ_ERRORS})
def maintenance_proposal(request, plan_id: int = PathId, instrument: MaintenanceInstrument = Query("phq9")):
    """End-of-induction proposal (continue to maintenance, extend, stop) with its reasons and numbers."""
    return maintenance_proposal_out(access_maintenance_review_by_plan_id(request.auth, plan_id, instrument))


@router.post("/plans/{plan_id}/maintenance-decision", response={201: MaintenanceDecisionOut, **WRITE_ERRORS})
def maintenance_decision(request, payload: MaintenanceDecisionIn, plan_id: int = PathId):
    """The prescriber's decision; a decision other than the proposal needs a note (audited)."""
    record = actions.do_record_maintenance_decision(request.auth, plan_id, **payload.dict())
    return 201, maintenance_decision_out(record)
