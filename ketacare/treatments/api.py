"""REST endpoints of treatment sessions (/api/v1/sessions): the same actions and selectors as the pages."""

import datetime as dt

from django.utils import timezone
from ninja import Path, Query, Router

from ketacare.lib.api_errors import ErrorOut, ValidationErrorOut
from ketacare.treatments import actions
from ketacare.treatments.schemas import (
    AddendumIn,
    AdverseEventIn,
    CheckIn,
    DayRowOut,
    DischargeIn,
    DoseIn,
    RatingIn,
    ReasonIn,
    SessionOut,
    StartIn,
    VitalsIn,
    WasteIn,
    session_out,
)
from ketacare.treatments.selectors import access_location_by_id, access_session_by_id, day_list

router = Router(tags=["sessions"])

Id = Path(..., ge=1, le=2**63 - 1)
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 422: ValidationErrorOut}


def _fresh(request, session_id: int) -> dict:
    return session_out(access_session_by_id(request.auth, session_id, audit=False))


@router.get("/day", response={200: list[DayRowOut], **READ_ERRORS, 422: ValidationErrorOut})
def day(request, location_id: int = Query(..., ge=1, le=2**63 - 1), date: dt.date | None = None):
    """Treatment appointments of one day at a location (default today there), with their sessions."""
    location = access_location_by_id(request.auth, location_id)
    on = date or timezone.now().astimezone(location.zone).date()
    return [
        {"appointment_id": row.appointment.pk, "starts_at": row.appointment.starts_at,
         "patient_id": row.appointment.patient_id, "appointment_type": row.appointment.appointment_type.name,
         "session_id": row.session.pk if row.session else None,
         "session_status": row.session.status if row.session else None}
        for row in day_list(request.auth, location, on)
    ]


@router.post("", response={201: SessionOut, **WRITE_ERRORS})
def start(request, payload: StartIn):
    """Open (check in) the session of a treatment appointment; the same session again if already open."""
    session = actions.do_start_session(request.auth, payload.appointment_id)
    return 201, _fresh(request, session.pk)


@router.get("/{session_id}", response={200: SessionOut, **READ_ERRORS})
def get_session(request, session_id: int = Id):
    return session_out(access_session_by_id(request.auth, session_id))


@router.post("/{session_id}/checks", response={200: SessionOut, **WRITE_ERRORS})
def record_check(request, payload: CheckIn, session_id: int = Id):
    actions.do_record_check(request.auth, session_id, **payload.dict())
    return _fresh(request, session_id)


@router.post("/{session_id}/vitals", response={200: SessionOut, **WRITE_ERRORS})
def record_vitals(request, payload: VitalsIn, session_id: int = Id):
    actions.do_record_vitals(request.auth, session_id, **payload.dict())
    return _fresh(request, session_id)


@router.post("/{session_id}/prechecks", response={200: SessionOut, **WRITE_ERRORS})
def complete_prechecks(request, session_id: int = Id):
    """Close the checklist; pre-dose BP above the protocol's delay level holds the session (status "held")."""
    actions.do_complete_prechecks(request.auth, session_id)
    return _fresh(request, session_id)


@router.post("/{session_id}/override", response={200: SessionOut, **WRITE_ERRORS})
def override_hold(request, payload: ReasonIn, session_id: int = Id):
    """A prescriber lets a held session go ahead, with a reason."""
    actions.do_override_hold(request.auth, session_id, reason=payload.reason)
    return _fresh(request, session_id)


@router.post("/{session_id}/cancel", response={200: SessionOut, **WRITE_ERRORS})
def cancel(request, payload: ReasonIn, session_id: int = Id):
    actions.do_cancel_session(request.auth, session_id, reason=payload.reason)
    return _fresh(request, session_id)


@router.post("/{session_id}/dose", response={200: SessionOut, **WRITE_ERRORS})
def prepare_dose(request, payload: DoseIn, session_id: int = Id):
    """Draw the dose from a vial, checked by a second user (a ledger administration entry)."""
    actions.do_prepare_dose(request.auth, session_id, vial_id=payload.vial_id, checked_by_id=payload.checked_by_id,
                            dose_mg=payload.dose_mg)
    return _fresh(request, session_id)


@router.post("/{session_id}/waste", response={200: SessionOut, **WRITE_ERRORS})
def waste(request, payload: WasteIn, session_id: int = Id):
    """Waste the remainder of the vial, with a witness who re-enters their password."""
    actions.do_waste_remainder(
        request.auth, session_id, payload.preparation_id, quantity_mg=payload.quantity_mg,
        witness_id=payload.witness_id, witness_password=payload.witness_password, reason=payload.reason,
    )
    return _fresh(request, session_id)


@router.post("/{session_id}/administration/start", response={200: SessionOut, **WRITE_ERRORS})
def start_administration(request, session_id: int = Id):
    actions.do_start_administration(request.auth, session_id)
    return _fresh(request, session_id)


@router.post("/{session_id}/administration/stop", response={200: SessionOut, **WRITE_ERRORS})
def stop_administration(request, session_id: int = Id):
    actions.do_stop_administration(request.auth, session_id)
    return _fresh(request, session_id)


@router.post("/{session_id}/devices", response={200: SessionOut, **WRITE_ERRORS})
def record_device(request, session_id: int = Id):
    """Esketamine: one device used now (refused during the 5-minute rest after the previous one)."""
    actions.do_record_device(request.auth, session_id)
    return _fresh(request, session_id)


@router.post("/{session_id}/ratings", response={200: SessionOut, **WRITE_ERRORS})
def record_rating(request, payload: RatingIn, session_id: int = Id):
    actions.do_record_rating(request.auth, session_id, instrument=payload.instrument, answers=payload.answers)
    return _fresh(request, session_id)


@router.post("/{session_id}/adverse-events", response={200: SessionOut, **WRITE_ERRORS})
def record_adverse_event(request, payload: AdverseEventIn, session_id: int = Id):
    actions.do_record_adverse_event(request.auth, session_id, **payload.dict())
    return _fresh(request, session_id)


@router.post("/{session_id}/discharge", response={200: SessionOut, **WRITE_ERRORS})
def discharge(request, payload: DischargeIn, session_id: int = Id):
    """Refused (422) naming each discharge criterion not met."""
    actions.do_discharge(request.auth, session_id, **payload.dict())
    return _fresh(request, session_id)


@router.post("/{session_id}/signatures", response={200: SessionOut, **WRITE_ERRORS})
def sign(request, session_id: int = Id):
    """The caller signs as nurse or prescriber (by role); with both the record is locked."""
    actions.do_sign_session(request.auth, session_id)
    return _fresh(request, session_id)


@router.post("/{session_id}/addenda", response={200: SessionOut, **WRITE_ERRORS})
def add_addendum(request, payload: AddendumIn, session_id: int = Id):
    actions.do_add_addendum(request.auth, session_id, text=payload.text)
    return _fresh(request, session_id)
