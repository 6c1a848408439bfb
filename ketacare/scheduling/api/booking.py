"""REST endpoints of single appointments (/api/v1/scheduling/appointments): the same actions and selectors as the pages.

A booking or move refused because another booking holds the slot answers 409 with a `detail`
naming the field; a slot that breaks a rule (closed, no chair of that kind) answers 422.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Query, Router

from ketacare.lib.api import READ_ERRORS, PathId
from ketacare.lib.ids import DB_ID_MAX
from ketacare.scheduling.actions import booking
from ketacare.scheduling.schemas import (
    SCHEDULING_WRITE_ERRORS,
    AppointmentIn,
    AppointmentOut,
    CancelIn,
    FreeSlotOut,
    MonitoringNurseIn,
    MoveIn,
    appointment_out,
    check_dates,
    conflict,
    free_slot_out,
)
from ketacare.scheduling.selectors.booking import (
    FREE_SLOTS_MAX,
    SlotConflict,
    access_appointment_by_id,
    list_appointments,
    next_free_slots,
)
from ketacare.scheduling.selectors.resources import access_location_by_id

router = Router()


@router.get("/appointments", response={200: list[AppointmentOut], **READ_ERRORS})
def appointments(
    request,
    date_from: dt.date = Query(...),
    date_to: dt.date = Query(...),
    location_id: int | None = Query(None, ge=1, le=DB_ID_MAX),
    include_cancelled: bool = False,
):
    """Appointments starting on the days [date_from, date_to] — local days of the location when
    one is given, UTC days otherwise (at most 62 days)."""
    check_dates(date_from=date_from, date_to=date_to)
    zone = access_location_by_id(request.auth, location_id).zone if location_id else dt.UTC
    start = dt.datetime.combine(date_from, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    if end <= start:
        raise ValidationError({"date_to": "date_to must not be before date_from."})
    return [
        appointment_out(a)
        for a in list_appointments(
            request.auth,
            starts_from=start,
            starts_before=end,
            location_id=location_id,
            include_cancelled=include_cancelled,
        )
    ]


@router.get("/free-slots", response={200: list[FreeSlotOut], **READ_ERRORS})
def free_slots(
    request,
    patient_id: int = Query(..., ge=1, le=DB_ID_MAX),
    appointment_type_id: int = Query(..., ge=1, le=DB_ID_MAX),
    location_id: int = Query(..., ge=1, le=DB_ID_MAX),
    date_from: dt.date | None = Query(None, description="A local day of the location; blank: from now"),
    count: int = Query(5, ge=1, le=FREE_SLOTS_MAX),
):
    """The earliest starts at which the type can be booked for the patient at the location, with
    the chair, clinician and monitoring nurse each would take (within 28 days; POST one to /appointments)."""
    check_dates(date_from=date_from)
    not_before = dt.datetime.now(dt.UTC)
    if date_from is not None:
        zone = access_location_by_id(request.auth, location_id).zone
        not_before = max(not_before, dt.datetime.combine(date_from, dt.time(), tzinfo=zone))
    found = next_free_slots(
        request.auth,
        patient_id=patient_id,
        appointment_type_id=appointment_type_id,
        location_id=location_id,
        not_before=not_before,
        count=count,
    )
    return [free_slot_out(found.location, check) for check in found.slots]


@router.post("/appointments", response={201: AppointmentOut, **SCHEDULING_WRITE_ERRORS})
def book(request, payload: AppointmentIn):
    """Book one appointment; 409 when another booking holds the chair, clinician or monitoring place."""
    try:
        appointment = booking.do_book_appointment(request.auth, **payload.dict())
    except SlotConflict as exc:
        return conflict(exc)
    return 201, appointment_out(appointment)


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, **READ_ERRORS})
def get_appointment(request, appointment_id: int = PathId):
    """One appointment (audited as a view of the patient's record)."""
    return appointment_out(access_appointment_by_id(request.auth, appointment_id))


@router.post("/appointments/{appointment_id}/move", response={200: AppointmentOut, **SCHEDULING_WRITE_ERRORS})
def move(request, payload: MoveIn, appointment_id: int = PathId):
    """Move one appointment; every rule is checked again (409 on a conflict)."""
    try:
        appointment = booking.do_move_appointment(request.auth, appointment_id, **payload.dict())
    except SlotConflict as exc:
        return conflict(exc)
    return appointment_out(appointment)


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **SCHEDULING_WRITE_ERRORS})
def cancel(request, payload: CancelIn, appointment_id: int = PathId):
    """Cancel with a reason; inside the late-cancellation window it is recorded as late."""
    return appointment_out(booking.do_cancel_appointment(request.auth, appointment_id, reason=payload.reason))


@router.post(
    "/appointments/{appointment_id}/monitoring-nurse", response={200: AppointmentOut, **SCHEDULING_WRITE_ERRORS}
)
def set_monitoring_nurse(request, payload: MonitoringNurseIn, appointment_id: int = PathId):
    """Choose the monitoring nurse (blank: the first free one); refused unless on shift there then and free (409)."""
    try:
        appointment = booking.do_set_monitoring_nurse(request.auth, appointment_id, nurse_id=payload.nurse_id)
    except SlotConflict as exc:
        return conflict(exc)
    return appointment_out(appointment)
