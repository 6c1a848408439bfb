"""Check-in endpoints: the day's treatment appointments, open a session, the checklist, the
pre-session checks (the hold), its override, cancel."""

import datetime as dt

from django.utils import timezone
from ninja import Query

from ketacare.lib.api import READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.lib.ids import DB_ID_MAX
from ketacare.treatments import actions
from ketacare.treatments.api.common import fresh_session, router
from ketacare.treatments.schemas import CheckIn, DayRowOut, SessionReasonIn, StartIn, TreatmentSessionOut
from ketacare.treatments.selectors import access_location_by_id, day_list


@router.get("/day", response={200: list[DayRowOut], **READ_ERRORS})
def day(request, location_id: int = Query(..., ge=1, le=DB_ID_MAX), date: dt.date | None = None):
    """Treatment appointments of one day at a location (default today there), with their sessions."""
    location = access_location_by_id(request.auth, location_id)
    on = date or timezone.now().astimezone(location.zone).date()
    return [
        {
            "appointment_id": row.appointment.pk,
            "starts_at": row.appointment.starts_at,
            "patient_id": row.appointment.patient_id,
            "appointment_type": row.appointment.appointment_type.name,
            "session_id": row.session.pk if row.session else None,
            "session_status": row.session.status if row.session else None,
        }
        for row in day_list(request.auth, location, on)
    ]


@router.post("", response={201: TreatmentSessionOut, **WRITE_ERRORS})
def start(request, payload: StartIn):
    """Open (check in) the session of a treatment appointment; the same session again if already open."""
    session = actions.do_start_session(request.auth, payload.appointment_id)
    return 201, fresh_session(request, session.pk)


@router.post("/{session_id}/checks", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def record_check(request, payload: CheckIn, session_id: int = PathId):
    actions.do_record_check(request.auth, session_id, **payload.dict())
    return fresh_session(request, session_id)


@router.post("/{session_id}/prechecks", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def complete_prechecks(request, session_id: int = PathId):
    """Close the checklist; pre-dose BP above the protocol's delay level holds the session (status "held")."""
    actions.do_complete_prechecks(request.auth, session_id)
    return fresh_session(request, session_id)


@router.post("/{session_id}/override", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def override_hold(request, payload: SessionReasonIn, session_id: int = PathId):
    """A prescriber lets a held session go ahead, with a reason."""
    actions.do_override_hold(request.auth, session_id, reason=payload.reason)
    return fresh_session(request, session_id)


@router.post("/{session_id}/cancel", response={200: TreatmentSessionOut, **WRITE_ERRORS})
def cancel(request, payload: SessionReasonIn, session_id: int = PathId):
    actions.do_cancel_session(request.auth, session_id, reason=payload.reason)
    return fresh_session(request, session_id)
