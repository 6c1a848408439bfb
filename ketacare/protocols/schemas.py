"""API shapes of protocol templates, treatment plans and dose calculations."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints, model_validator

from ketacare.lib.ids import DbId
from ketacare.lib.text import NO_NUL
from ketacare.protocols.domain.dosing import DoseResult
from ketacare.protocols.domain.template_limits import fixed_schedule_doses_mg, template_dose_problems
from ketacare.protocols.selectors import PlanDetail

Text = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=5000)]
ShortText = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=200)]
MgPerKg = Annotated[Decimal, Field(gt=0, le=100, decimal_places=3)]
Mg = Annotated[Decimal, Field(gt=0, le=9999, decimal_places=3)]
# Fixed schedules are in whole mg (esketamine devices hold 28 mg).
WholeMg = Annotated[int, Field(ge=1, le=9999)]
Minutes = Annotated[int, Field(ge=0, le=1440)]
Count = Annotated[int, Field(ge=1, le=365)]
Mmhg = Annotated[int, Field(ge=1, le=400)]
Route = Literal["iv", "im", "sublingual", "intranasal_esketamine"]
Drug = Literal["ketamine_racemic", "esketamine"]


class FixedDosePhase(Schema):
    phase: ShortText
    weeks: ShortText = ""
    frequency: ShortText = ""
    first_dose_mg: WholeMg | None = None
    dose_mg_options: list[WholeMg] = Field(default_factory=list, max_length=10)


class QuestionnaireDue(Schema):
    instrument: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,40}$")]
    timing: ShortText


class TemplateIn(Schema):
    code: Annotated[str, StringConstraints(pattern=r"^[-a-z0-9_]{1,60}$")]
    name: ShortText
    route: Route
    drug: Drug
    dose_mg_per_kg: MgPerKg | None = None
    fixed_dose_schedule: list[FixedDosePhase] = Field(default_factory=list, max_length=10)
    min_dose_mg_per_kg: MgPerKg | None = None
    max_dose_mg_per_kg: MgPerKg | None = None
    hard_cap_dose_mg_per_kg: MgPerKg | None = None
    min_dose_mg_per_session: Mg | None = None
    max_dose_mg_per_session: Mg | None = None
    titration_steps_mg_per_kg: list[MgPerKg] = Field(default_factory=list, max_length=10)
    concentration_mg_per_ml: Mg | None = None
    infusion_min: Annotated[int, Field(ge=1, le=1440)] | None = None
    induction_session_count: Annotated[int, Field(ge=1, le=60)]
    induction_window_days: Count
    sessions_per_week_min: Annotated[int, Field(ge=1, le=7)]
    sessions_per_week_max: Annotated[int, Field(ge=1, le=7)]
    min_days_between: Annotated[int, Field(ge=1, le=60)] = 1
    maintenance_description: Text = ""
    session_length_min: Annotated[int, Field(ge=1, le=1440)]
    vital_check_times_min: list[Minutes] = Field(default_factory=list, max_length=50)
    bp_delay_systolic_mmhg: Mmhg | None = None
    bp_delay_diastolic_mmhg: Mmhg | None = None
    bp_stop_systolic_mmhg: Mmhg | None = None
    bp_stop_diastolic_mmhg: Mmhg | None = None
    preparation_instructions: Text = ""
    questionnaires_due: list[QuestionnaireDue] = Field(default_factory=list, max_length=20)
    source: Text = ""

    @model_validator(mode="after")
    def dose_limits_agree(self) -> "TemplateIn":
        """The same consistency rule as the model's (protocols/domain/template_limits.py), at the door."""
        problems = template_dose_problems(
            weight_based=self.route != "intranasal_esketamine",
            dose_mg_per_kg=self.dose_mg_per_kg,
            min_dose_mg_per_kg=self.min_dose_mg_per_kg,
            max_dose_mg_per_kg=self.max_dose_mg_per_kg,
            hard_cap_dose_mg_per_kg=self.hard_cap_dose_mg_per_kg,
            min_dose_mg_per_session=self.min_dose_mg_per_session,
            max_dose_mg_per_session=self.max_dose_mg_per_session,
            titration_steps_mg_per_kg=self.titration_steps_mg_per_kg,
            fixed_doses_mg=fixed_schedule_doses_mg([phase.dict() for phase in self.fixed_dose_schedule]),
        )
        if problems:
            raise ValueError(" ".join(f"{name}: {problem}" for name, problem in sorted(problems.items())))
        return self

    def action_fields(self) -> dict:
        fields = self.dict()
        # JSON columns store plain JSON: decimals as strings.
        fields["titration_steps_mg_per_kg"] = [str(step) for step in self.titration_steps_mg_per_kg]
        fields["fixed_dose_schedule"] = [phase.dict() for phase in self.fixed_dose_schedule]
        return fields


class TemplateOut(Schema):
    id: int
    organisation_id: int | None
    code: str
    name: str
    version: int
    route: str
    drug: str
    dose_mg_per_kg: Decimal | None
    fixed_dose_schedule: list[dict]
    min_dose_mg_per_kg: Decimal | None
    max_dose_mg_per_kg: Decimal | None
    hard_cap_dose_mg_per_kg: Decimal | None
    min_dose_mg_per_session: Decimal | None
    max_dose_mg_per_session: Decimal | None
    titration_steps_mg_per_kg: list[str]
    concentration_mg_per_ml: Decimal | None
    rounding_mg: Decimal
    volume_rounding_ml: Decimal
    max_weight_age_days: int
    infusion_min: int | None
    induction_session_count: int
    induction_window_days: int
    sessions_per_week_min: int
    sessions_per_week_max: int
    min_days_between: int
    maintenance_description: str
    session_length_min: int
    vital_check_times_min: list[int]
    bp_delay_systolic_mmhg: int | None
    bp_delay_diastolic_mmhg: int | None
    bp_stop_systolic_mmhg: int | None
    bp_stop_diastolic_mmhg: int | None
    preparation_instructions: str
    questionnaires_due: list[dict]
    source: str
    is_active: bool
    created_at: dt.datetime


class PlanIn(Schema):
    template_id: DbId
    start_date: dt.date
    dose_mg_per_kg: MgPerKg | None = None
    # Only where the clinic lets a prescriber override a missing prerequisite (candidacy, today's weight).
    override_reason: Text = ""


class PlanStatusIn(Schema):
    status: Literal["proposed", "active", "paused", "completed", "stopped"]
    reason: Text
    override_reason: Text = ""


class AdjunctIn(Schema):
    kind: Literal["integration_therapy", "psychotherapy", "nutrition", "functional_medicine", "referral", "other"]
    description: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=500)]


class DoseIn(Schema):
    concentration_mg_per_ml: Mg | None = None


class OverrideIn(Schema):
    reason: Text
    dose_mg_per_kg: MgPerKg | None = None


class DoseChangeIn(Schema):
    reason: Text
    dose_mg_per_kg: MgPerKg | None = None


class SessionOut(Schema):
    sequence: int
    window_start: dt.date
    window_end: dt.date


class AdjunctOut(Schema):
    id: int
    kind: str
    description: str
    status: str
    created_at: dt.datetime


class RevisionOut(Schema):
    revision_number: int
    changed_by: str
    changed_at: dt.datetime
    reason: str


class PlanOut(Schema):
    id: int
    patient_id: int
    template_id: int
    template_code: str
    template_version: int
    status: str
    start_date: dt.date
    dose_mg_per_kg: Decimal | None
    dose_override_reason: str
    prerequisites_overridden: dict[str, str]
    prerequisites_override_reason: str
    created_at: dt.datetime
    sessions: list[SessionOut]
    adjuncts: list[AdjunctOut]
    revisions: list[RevisionOut]


class DoseOut(Schema):
    dose_mg_per_kg: Decimal
    weight_kg: Decimal
    weight_measured_on: dt.date
    exact_dose_mg: Decimal
    dose_mg: Decimal
    rounding_mg: Decimal
    concentration_mg_per_ml: Decimal | None
    volume_ml: Decimal | None
    blocked: bool
    block_reasons: list[str]
    overridden: bool
    override_reason: str
    notes: list[str]


def plan_out(detail: PlanDetail) -> dict:
    plan = detail.plan
    return {
        "id": plan.pk,
        "patient_id": plan.patient_id,
        "template_id": plan.template_id,
        "template_code": plan.template.code,
        "template_version": plan.template.version,
        "status": plan.status,
        "start_date": plan.start_date,
        "dose_mg_per_kg": plan.dose_mg_per_kg,
        "dose_override_reason": plan.dose_override_reason,
        "prerequisites_overridden": plan.prerequisites_overridden,
        "prerequisites_override_reason": plan.prerequisites_override_reason,
        "created_at": plan.created_at,
        "sessions": detail.sessions,
        "adjuncts": detail.adjuncts,
        "revisions": [
            {
                "revision_number": r.revision_number,
                "changed_by": r.changed_by.get_username(),
                "changed_at": r.changed_at,
                "reason": r.reason,
            }
            for r in detail.revisions
        ],
    }


def dose_out(result: DoseResult) -> dict:
    return {
        "dose_mg_per_kg": result.dose_mg_per_kg,
        "weight_kg": result.weight_kg,
        "weight_measured_on": result.weight_measured_on,
        "exact_dose_mg": result.exact_dose_mg,
        "dose_mg": result.dose_mg,
        "rounding_mg": result.rounding_mg,
        "concentration_mg_per_ml": result.concentration_mg_per_ml,
        "volume_ml": result.volume_ml,
        "blocked": result.blocked,
        "block_reasons": list(result.block_reasons),
        "overridden": result.overridden,
        "override_reason": result.override_reason,
        "notes": list(result.notes),
    }


MaintenanceInstrument = Literal["phq9", "gad7", "qids_sr16", "pcl5", "madrs"]


class ScorePointOut(Schema):
    on: dt.date
    total: int


class MaintenanceProposalOut(Schema):
    """The end-of-induction proposal; `proposal` is continue_to_maintenance, extend_induction, stop or insufficient_data."""

    plan_id: int
    instrument: str
    first_treatment_on: dt.date
    induction_end_on: dt.date
    proposal: Literal["continue_to_maintenance", "extend_induction", "stop", "insufficient_data"]
    proposed_decision: Literal["continue", "extend", "stop"] | None
    reasons: list[str]
    baseline_on: dt.date | None
    baseline_total: int | None
    latest_on: dt.date | None
    latest_total: int | None
    percent_change: float | None
    response: bool
    remission: bool | None
    interval_weeks_min: int | None
    interval_weeks_max: int | None
    interval_source: str
    scores: list[ScorePointOut]


class MaintenanceDecisionIn(Schema):
    decision: Literal["continue", "extend", "stop"]
    instrument: MaintenanceInstrument = "phq9"
    interval_weeks: Annotated[int, Field(ge=1, le=52)] | None = None
    note: Text = ""


class MaintenanceDecisionOut(Schema):
    id: int
    plan_id: int
    plan_status: str
    decision: str
    interval_weeks: int | None
    note: str
    proposal: dict
    decided_by_id: int
    decided_at: dt.datetime


def maintenance_proposal_out(review) -> dict:
    proposal = review.proposal
    return {
        **proposal.as_dict(),
        "plan_id": review.plan.pk,
        "first_treatment_on": review.first_treatment_on,
        "induction_end_on": review.induction_end_on,
        "proposed_decision": proposal.decision.value if proposal.decision else None,
        "scores": [{"on": on, "total": total} for on, total in review.series.points],
    }


def maintenance_decision_out(record) -> dict:
    return {
        "id": record.pk,
        "plan_id": record.plan_id,
        "plan_status": record.plan.status,
        "decision": record.decision,
        "interval_weeks": record.interval_weeks,
        "note": record.note,
        "proposal": record.proposal,
        "decided_by_id": record.decided_by_id,
        "decided_at": record.decided_at,
    }
