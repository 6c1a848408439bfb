"""REST endpoints of measurement-based care (/api/v1/measures): the same scorer, actions and selectors as the pages."""

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema

from ketacare.lib.api import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.lib.api_errors import ErrorOut, ValidationErrorOut
from ketacare.measures import actions
from ketacare.measures.domain.instruments import MeasureError
from ketacare.measures.domain.library import INSTRUMENTS
from ketacare.measures.domain.scoring import score
from ketacare.measures.models import AssignmentReason
from ketacare.measures.selectors import access_alert_by_id, access_measures_by_patient_id, open_alerts
from ketacare.patients.selectors import access_patient_by_id

router = Router(tags=["measures"])


class ScoreIn(Schema):
    instrument: str = Field(..., max_length=40, examples=["phq9"])
    answers: list[int | None] = Field(
        ..., max_length=100, description="One value per item in item order; null = not asked"
    )


class ScoreOut(Schema):
    instrument: str
    total: int
    severity: str | None
    subscales: dict[str, int]
    flags: list[str]


class ResponseOut(Schema):
    id: int
    instrument: str
    instrument_version: str
    status: str
    channel: str
    answers: dict[str, int | None]
    total: int | None
    severity: str
    subscales: dict[str, int]
    flags: list[str]
    started_at: dt.datetime
    submitted_at: dt.datetime | None
    assignment_id: int | None
    amends_id: int | None
    amendment_reason: str


class AssignmentIn(Schema):
    instrument: str = Field(..., max_length=40)
    due_at: dt.datetime
    reason: str = Field(AssignmentReason.MANUAL, max_length=20)


class AssignmentOut(Schema):
    id: int
    patient_id: int
    instrument: str
    due_at: dt.datetime
    reason: str
    status: str
    created_at: dt.datetime
    link_expires_at: dt.datetime | None


class AlertOut(Schema):
    id: int
    patient_id: int
    response_id: int
    kind: str
    severity: str
    status: str
    raised_at: dt.datetime
    acknowledged_by_id: int | None
    acknowledged_at: dt.datetime | None
    acknowledgement_note: str
    escalated_at: dt.datetime | None


class AcknowledgeIn(Schema):
    note: str = Field(..., max_length=5000)


@router.post("/score", response={200: ScoreOut, 400: ErrorOut, 401: ErrorOut, 422: ValidationErrorOut})
def score_answers(request, payload: ScoreIn):
    """Pure scoring with the domain scorer (any signed-in user; nothing is stored)."""
    if payload.instrument not in INSTRUMENTS:
        raise ValidationError({"instrument": f"Unknown instrument; valid codes: {', '.join(INSTRUMENTS)}."})
    try:
        result = score(payload.instrument, payload.answers)
    except MeasureError as exc:
        raise ValidationError({"answers": str(exc)}) from None
    return result


@router.get("/patients/{patient_id}/responses", response={200: list[ResponseOut], **READ_ERRORS})
def list_responses(request, patient_id: int = PathId):
    """The patient's responses, newest first (staff of the patient's organisation; audited)."""
    return access_measures_by_patient_id(request.auth, patient_id).responses


@router.post("/patients/{patient_id}/assignments", response={201: AssignmentOut, **WRITE_ERRORS})
def create_assignment(request, payload: AssignmentIn, patient_id: int = PathId):
    """Assign a self-report questionnaire; the patient is emailed a one-time link."""
    patient = access_patient_by_id(request.auth, patient_id, audit=False)
    outcome = actions.do_assign_questionnaire(
        request.auth,
        patient,
        payload.instrument,
        payload.due_at,
        payload.reason,
        link_base_url=request.build_absolute_uri("/"),
    )
    return 201, outcome.assignment


@router.get("/alerts", response={200: list[AlertOut], **LIST_ERRORS})
def list_alerts(request):
    """Open safety alerts of the caller's organisation, oldest first (nurse, prescriber, clinic admin)."""
    return open_alerts(request.auth)


@router.post("/alerts/{alert_id}/acknowledge", response={200: AlertOut, **WRITE_ERRORS})
def acknowledge_alert(request, payload: AcknowledgeIn, alert_id: int = PathId):
    """Acknowledge an open alert with a note saying what was done (nurse or prescriber)."""
    alert = access_alert_by_id(request.auth, alert_id)
    return actions.do_acknowledge_alert(request.auth, alert, payload.note)
