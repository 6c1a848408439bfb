"""REST endpoints of single appointments and resources (/api/v1/scheduling): the same actions and selectors as the pages.

A booking or move refused because another booking holds the slot answers 409 with a `detail`
naming the field; a slot that breaks a rule (closed, no chair of that kind) answers 422.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Path, Query, Router

from ketacare.lib.api_errors import ErrorOut, ValidationErrorOut
from ketacare.lib.forms import error_text
from ketacare.scheduling import actions
from ketacare.scheduling.schemas import AppointmentIn, AppointmentOut, CancelIn, MoveIn, ResourcesOut, appointment_out
from ketacare.scheduling.selectors import (
    SlotConflict,
    access_appointment_by_id,
    access_location_by_id,
    list_appointments,
    resources_overview,
)

router = Router()

Id = Path(..., ge=1, le=2**63 - 1)
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 400: ErrorOut, 409: ErrorOut}
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def _conflict(exc: SlotConflict):
    return 409, {"detail": error_text(exc)}


@router.get("/resources", response={200: ResourcesOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def resources(request):
    """Locations (hours, closed dates, chairs), appointment types, staff skills and shifts, ratio settings."""
    return resources_overview(request.auth)


@router.get("/appointments", response={200: list[AppointmentOut], **READ_ERRORS})
def appointments(request, date_from: dt.date = Query(...), date_to: dt.date = Query(...),
                 location_id: int | None = Query(None, ge=1, le=2**63 - 1), include_cancelled: bool = False):
    """Appointments starting on the days [date_from, date_to] — local days of the location when
    one is given, UTC days otherwise (at most 62 days)."""
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if not EARLIEST <= value <= LATEST:
            raise ValidationError({name: f"Enter a date between {EARLIEST} and {LATEST}."})
    zone = access_location_by_id(request.auth, location_id).zone if location_id else dt.timezone.utc
    start = dt.datetime.combine(date_from, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    if end <= start:
        raise ValidationError({"date_to": "date_to must not be before date_from."})
    return [appointment_out(a) for a in list_appointments(
        request.auth, starts_from=start, starts_before=end, location_id=location_id,
        include_cancelled=include_cancelled,
    )]


@router.post("/appointments", response={201: AppointmentOut, **WRITE_ERRORS})
def book(request, payload: AppointmentIn):
    """Book one appointment; 409 when another booking holds the chair, clinician or monitoring place."""
    try:
        appointment = actions.do_book_appointment(request.auth, **payload.dict())
    except SlotConflict as exc:
        return _conflict(exc)
    return 201, appointment_out(appointment)


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, **READ_ERRORS})
def get_appointment(request, appointment_id: int = Id):
    """One appointment (audited as a view of the patient's record)."""
    return appointment_out(access_appointment_by_id(request.auth, appointment_id))


@router.post("/appointments/{appointment_id}/move", response={200: AppointmentOut, **WRITE_ERRORS})
def move(request, payload: MoveIn, appointment_id: int = Id):
    """Move one appointment; every rule is checked again (409 on a conflict)."""
    try:
        appointment = actions.do_move_appointment(request.auth, appointment_id, **payload.dict())
    except SlotConflict as exc:
        return _conflict(exc)
    return appointment_out(appointment)


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **WRITE_ERRORS})
def cancel(request, payload: CancelIn, appointment_id: int = Id):
    """Cancel with a reason; inside the late-cancellation window it is recorded as late."""
    return appointment_out(actions.do_cancel_appointment(request.auth, appointment_id, reason=payload.reason))
