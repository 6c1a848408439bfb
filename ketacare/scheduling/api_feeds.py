"""REST endpoints for calendar feeds, attendance and the patient's own appointments (/api/v1/scheduling)."""

import datetime as dt

from ninja import Field, Path, Router, Schema

from ketacare.lib.api_errors import ErrorOut, ValidationErrorOut
from ketacare.scheduling import attendance, feeds

router = Router()

Id = Path(..., ge=1, le=2**63 - 1)
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 400: ErrorOut}


class FeedOut(Schema):
    id: int
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class FeedCreatedOut(FeedOut):
    url: str = Field(..., description="The feed's address; shown only in this response")


class ReasonIn(Schema):
    reason: str = Field("", max_length=attendance.REASON_MAX_CHARS)


class AppointmentStatusOut(Schema):
    id: int
    patient_id: int
    status: str
    status_reason: str
    status_changed_at: dt.datetime | None
    starts_at: dt.datetime


class AttendanceOut(Schema):
    patient_id: int
    no_shows: int
    late_cancellations: int
    cancellations: int
    attended: int


class OwnAppointmentOut(Schema):
    id: int
    appointment_type: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: str
    time_zone: str
    local_time: str = Field(..., description="The start in the location's time zone, in words")
    instructions: str


@router.get("/feeds", response={200: list[FeedOut], 401: ErrorOut, 403: ErrorOut})
def list_feeds(request):
    """The caller's own calendar feeds, newest first (staff: their appointments; patients: theirs)."""
    return feeds.own_calendar_feeds(request.auth)


@router.post("/feeds", response={201: FeedCreatedOut, 401: ErrorOut, 403: ErrorOut})
def create_feed(request):
    """A new feed URL for the caller; any previous one is revoked."""
    feed, token = feeds.do_create_calendar_feed(request.auth)
    return 201, {"id": feed.pk, "created_at": feed.created_at, "revoked_at": feed.revoked_at,
                 "last_used_at": feed.last_used_at, "url": request.build_absolute_uri(feeds.feed_path(token))}


@router.post("/feeds/{feed_id}/revoke", response={200: FeedOut, **READ_ERRORS})
def revoke_feed(request, feed_id: int = Id):
    """Revoke one of the caller's feeds; its URL then answers 404."""
    return feeds.do_revoke_calendar_feed(request.auth, feed_id)


@router.post("/appointments/{appointment_id}/no-show", response={200: AppointmentStatusOut, **WRITE_ERRORS})
def mark_no_show(request, payload: ReasonIn, appointment_id: int = Id):
    """Record a no-show (a booked appointment whose start has passed; staff who book)."""
    return attendance.do_mark_no_show(request.auth, appointment_id, reason=payload.reason)


@router.get("/patients/{patient_id}/attendance", response={200: AttendanceOut, **READ_ERRORS})
def patient_attendance(request, patient_id: int = Id):
    """No-shows, late and timely cancellations and attended appointments of one patient."""
    summary = attendance.access_attendance_by_patient_id(request.auth, patient_id)
    return {"patient_id": summary.patient.pk, "no_shows": summary.no_shows,
            "late_cancellations": summary.late_cancellations, "cancellations": summary.cancellations,
            "attended": summary.attended}


@router.get("/portal/appointments", response={200: list[OwnAppointmentOut], 401: ErrorOut, 403: ErrorOut})
def own_appointments(request):
    """The signed-in patient's upcoming booked appointments, with how to prepare."""
    items = feeds.access_own_upcoming_appointments(request.auth) or []
    return [
        {"id": item.appointment.pk, "appointment_type": item.appointment.appointment_type.name,
         "starts_at": item.appointment.starts_at, "ends_at": item.appointment.ends_at,
         "location": item.appointment.location.name, "time_zone": item.appointment.location.time_zone,
         "local_time": item.local_time, "instructions": item.instructions}
        for item in items
    ]
