"""Closing endpoints: discharge, signatures, addenda."""

from ketacare.lib.api import WRITE_ERRORS, PathId
from ketacare.treatments import actions
from ketacare.treatments.api.common import fresh_session, router
from ketacare.treatments.schemas import DischargeIn, SessionAddendumIn, TreatmentSessionOut


@router.post("/{session_id}/discharge", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def discharge(request, payload: DischargeIn, session_id: int = PathId):
    """Refused (422) naming each discharge criterion not met."""
    actions.do_discharge(request.auth, session_id, **payload.dict())
    return fresh_session(request, session_id)


@router.post("/{session_id}/signatures", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def sign(request, session_id: int = PathId):
    """The caller signs as nurse or prescriber (by role); with both the record is locked."""
    actions.do_sign_session(request.auth, session_id)
    return fresh_session(request, session_id)


@router.post("/{session_id}/addenda", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def add_addendum(request, payload: SessionAddendumIn, session_id: int = PathId):
    actions.do_add_addendum(request.auth, session_id, text=payload.text)
    return fresh_session(request, session_id)
