"""Dosing endpoints: draw the dose, waste the remainder, start and stop administration, devices."""

from ketacare.lib.api import WRITE_ERRORS, PathId
from ketacare.treatments import actions
from ketacare.treatments.api.common import fresh_session, router
from ketacare.treatments.schemas import SessionDoseIn, SessionWasteIn, TreatmentSessionOut


@router.post("/{session_id}/dose", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def prepare_dose(request, payload: SessionDoseIn, session_id: int = PathId):
    """Draw the dose from a vial, checked by a second user who re-enters username and password and
    is on shift at the session's location (a ledger administration entry)."""
    actions.do_prepare_dose(
        request.auth,
        session_id,
        vial_id=payload.vial_id,
        checker_username=payload.checker_username,
        checker_password=payload.checker_password,
        dose_mg=payload.dose_mg,
    )
    return fresh_session(request, session_id)


@router.post("/{session_id}/waste", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def waste(request, payload: SessionWasteIn, session_id: int = PathId):
    """Waste the remainder of the vial, with a witness who re-enters their password."""
    actions.do_waste_remainder(
        request.auth,
        session_id,
        payload.preparation_id,
        quantity_mg=payload.quantity_mg,
        witness_id=payload.witness_id,
        witness_password=payload.witness_password,
        reason=payload.reason,
    )
    return fresh_session(request, session_id)


@router.post("/{session_id}/administration/start", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def start_administration(request, session_id: int = PathId):
    actions.do_start_administration(request.auth, session_id)
    return fresh_session(request, session_id)


@router.post("/{session_id}/administration/stop", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def stop_administration(request, session_id: int = PathId):
    actions.do_stop_administration(request.auth, session_id)
    return fresh_session(request, session_id)


@router.post("/{session_id}/devices", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def record_device(request, session_id: int = PathId):
    """Esketamine: one device used now (refused during the 5-minute rest after the previous one)."""
    actions.do_record_device(request.auth, session_id)
    return fresh_session(request, session_id)
