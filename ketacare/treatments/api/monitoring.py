"""Monitoring endpoints: vital signs, CADSS / MOAA/S ratings, adverse events."""

from ketacare.lib.api import WRITE_ERRORS, PathId
from ketacare.treatments import actions
from ketacare.treatments.api.common import fresh_session, router
from ketacare.treatments.schemas import AdverseEventIn, RatingIn, TreatmentSessionOut, VitalsIn


@router.post("/{session_id}/vitals", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def record_vitals(request, payload: VitalsIn, session_id: int = PathId):
    actions.do_record_vitals(request.auth, session_id, **payload.dict())
    return fresh_session(request, session_id)


@router.post("/{session_id}/ratings", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def record_rating(request, payload: RatingIn, session_id: int = PathId):
    actions.do_record_rating(request.auth, session_id, instrument=payload.instrument, answers=payload.answers)
    return fresh_session(request, session_id)


@router.post("/{session_id}/adverse-events", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def record_adverse_event(request, payload: AdverseEventIn, session_id: int = PathId):
    actions.do_record_adverse_event(request.auth, session_id, **payload.dict())
    return fresh_session(request, session_id)
