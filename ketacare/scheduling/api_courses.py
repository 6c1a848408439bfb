"""REST endpoints of whole courses and the waitlist (/api/v1/scheduling/courses): the same actions as the pages.

Booking answers 201 with the course; 422 when the input is wrong or no full course fits (the
detail says which constraint; POST /preview gives the alternatives to pick from); 409 when
another booking took a slot while this one was being written (nothing is booked then).
"""

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from ninja import Field, Path, Router, Schema
from pydantic import AwareDatetime, StringConstraints

from ketacare.lib.api_errors import ErrorOut, ValidationErrorOut
from ketacare.lib.forms import error_text
from ketacare.scheduling import courses
from ketacare.scheduling.models import WaitlistEntry
from ketacare.scheduling.schemas import AppointmentOut, appointment_out
from ketacare.scheduling.selectors import SlotConflict

router = Router()

PathId = Path(..., ge=1, le=2**63 - 1)
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 400: ErrorOut, 409: ErrorOut}
Text = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$", max_length=2000)]
Reason = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$", min_length=1, max_length=2000)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
TimeOfDay = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
EndOfDay = Annotated[str, StringConstraints(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")]
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


class AvailabilityWindow(Schema):
    days: list[Weekday] = Field(..., min_length=1, max_length=7)
    from_: TimeOfDay = Field(..., alias="from")
    to: EndOfDay


class CourseIn(Schema):
    plan_id: Id
    appointment_type_id: Id
    location_ids: list[Id] = Field(..., min_length=1, max_length=50)
    availability: list[AvailabilityWindow] = Field(default_factory=list, max_length=14,
                                                   description="When the patient can come; empty with any_time")
    any_time: bool = Field(False, description="Any time the location is open (ignores availability)")
    shift_days: int = Field(0, ge=0, le=courses.MAX_COURSE_HORIZON_DAYS,
                            description="Start the plan's windows this many days later (an offered alternative)")

    def action_fields(self) -> dict:
        values = self.dict(by_alias=True)
        return {"appointment_type_id": values["appointment_type_id"], "location_ids": values["location_ids"],
                "availability": values["availability"], "any_time": values["any_time"],
                "shift_days": values["shift_days"]}


class PlacementOut(Schema):
    sequence: int
    planned_session_id: int | None
    starts_at: dt.datetime
    local_start: str = Field(description="In the location's time zone, ISO 8601 with offset")
    chair_id: int


class ProposedCourseOut(Schema):
    location_id: int
    location_name: str
    sessions: list[PlacementOut]


class AlternativeOut(Schema):
    kind: Literal["location", "later_start", "other_times"]
    label: str
    location_id: int
    shift_days: int
    any_time: bool
    course: ProposedCourseOut


class ProposalOut(Schema):
    fits: bool
    reason: str
    constraint: str = Field(description="What prevents a full course: patient_availability, location, dates, resources")
    course: ProposedCourseOut | None
    alternatives: list[AlternativeOut]


class CourseOut(Schema):
    id: int
    patient_id: int
    plan_id: int | None
    appointment_type_id: int
    location_id: int
    created_at: dt.datetime
    cancelled_at: dt.datetime | None
    cancelled_reason: str
    appointments: list[AppointmentOut]


class MoveSessionIn(Schema):
    starts_at: AwareDatetime
    chair_id: Id | None = None
    reason: Text = ""


class CancelRestIn(Schema):
    reason: Reason


class WaitlistIn(Schema):
    patient_id: Id
    appointment_type_id: Id
    location_ids: list[Id] = Field(..., min_length=1, max_length=50)
    earliest_date: dt.date
    latest_start_date: dt.date | None = None
    availability: list[AvailabilityWindow] = Field(..., min_length=1, max_length=14)
    sessions: int = Field(6, ge=1, le=60)
    min_days_between: int = Field(1, ge=0, le=60)
    max_span_days: int = Field(21, ge=0, le=366)
    plan_id: Id | None = None


class WaitlistEntryOut(Schema):
    id: int
    patient_id: int
    patient_name: str
    plan_id: int | None
    appointment_type_id: int
    location_ids: list[int]
    sessions: int
    min_days_between: int
    max_span_days: int
    earliest_date: dt.date
    latest_start_date: dt.date | None
    availability: list[dict]
    status: Literal["waiting", "booked", "withdrawn"]
    course_id: int | None
    last_unscheduled_reason: str


class WithdrawIn(Schema):
    reason: Text = ""


class ScheduleWaitlistIn(Schema):
    weeks: int = Field(4, ge=1, le=courses.MAX_WAITLIST_WEEKS)
    start_date: dt.date | None = Field(None, description="Default: tomorrow")


class WaitlistRunOut(Schema):
    booked: list[WaitlistEntryOut]
    not_booked: list[WaitlistEntryOut]
    method: str


def _proposed(attempt: courses.CourseAttempt | None) -> dict | None:
    if attempt is None:
        return None
    zone = attempt.location.zone
    return {
        "location_id": attempt.location.pk, "location_name": attempt.location.name,
        "sessions": [{
            "sequence": p.sequence, "planned_session_id": p.planned_session_id, "starts_at": p.starts_at,
            "local_start": p.starts_at.astimezone(zone).isoformat(), "chair_id": p.chair_id,
        } for p in attempt.placements],
    }


def proposal_out(proposal: courses.CourseProposal) -> dict:
    return {
        "fits": proposal.fits, "reason": proposal.reason, "constraint": proposal.constraint,
        "course": _proposed(proposal.attempt if proposal.fits else None),
        "alternatives": [{
            "kind": a.kind, "label": a.label, "location_id": a.location_id, "shift_days": a.shift_days,
            "any_time": a.any_time, "course": _proposed(a.attempt),
        } for a in proposal.alternatives],
    }


def course_out(course) -> dict:
    return {
        "id": course.pk, "patient_id": course.patient_id, "plan_id": course.plan_id,
        "appointment_type_id": course.appointment_type_id, "location_id": course.location_id,
        "created_at": course.created_at, "cancelled_at": course.cancelled_at,
        "cancelled_reason": course.cancelled_reason,
        "appointments": [appointment_out(a) for a in courses.course_appointments(course)],
    }


def entry_out(entry: WaitlistEntry) -> dict:
    return {
        "id": entry.pk, "patient_id": entry.patient_id, "patient_name": entry.patient.full_name,
        "plan_id": entry.plan_id, "appointment_type_id": entry.appointment_type_id,
        "location_ids": sorted(l.pk for l in entry.locations.all()), "sessions": entry.sessions,
        "min_days_between": entry.min_days_between, "max_span_days": entry.max_span_days,
        "earliest_date": entry.earliest_date, "latest_start_date": entry.latest_start_date,
        "availability": entry.availability, "status": entry.status, "course_id": entry.course_id,
        "last_unscheduled_reason": entry.last_unscheduled_reason,
    }


def _conflict(exc: SlotConflict):
    return 409, {"detail": error_text(exc)}


def _check_dates(**dates) -> None:
    for name, value in dates.items():
        if value is not None and not EARLIEST <= value <= LATEST:
            raise ValidationError({name: f"Enter a date between {EARLIEST} and {LATEST}."})


@router.post("/preview", response={200: ProposalOut, **READ_ERRORS})
def preview(request, payload: CourseIn):
    """What booking would do, without booking: the course, or the constraint that prevents it and
    the nearest alternatives (another location, other times, a later start) to pick from."""
    return proposal_out(courses.preview_course(request.auth, payload.plan_id, **payload.action_fields()))


@router.post("", response={201: CourseOut, **WRITE_ERRORS})
def book_course(request, payload: CourseIn):
    """Book every planned session of the plan as one course, all or nothing."""
    try:
        course = courses.do_book_course(request.auth, payload.plan_id, **payload.action_fields())
    except SlotConflict as exc:
        return _conflict(exc)
    return 201, course_out(course)


@router.get("/{course_id}", response={200: CourseOut, **READ_ERRORS})
def get_course(request, course_id: int = PathId):
    """A course with all its appointments (cancelled ones included; audited)."""
    course, _appointments = courses.access_course_detail(request.auth, course_id)
    return course_out(course)


@router.post("/{course_id}/cancel-rest", response={200: CourseOut, **WRITE_ERRORS})
def cancel_rest(request, payload: CancelRestIn, course_id: int = PathId):
    """Cancel every session of the course that has not started yet, in one step."""
    courses.do_cancel_rest_of_course(request.auth, course_id, reason=payload.reason)
    return course_out(courses.access_course_by_id(request.auth, course_id))


@router.post("/appointments/{appointment_id}/move", response={200: AppointmentOut, **WRITE_ERRORS})
def move_session(request, payload: MoveSessionIn, appointment_id: int = PathId):
    """Move one session of a course; refused (422) when the course would break (window, spacing, order)."""
    try:
        appointment = courses.do_move_course_session(request.auth, appointment_id, **payload.dict())
    except SlotConflict as exc:
        return _conflict(exc)
    return appointment_out(appointment)


@router.get("/waitlist/entries", response={200: list[WaitlistEntryOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def waitlist(request):
    """Patients waiting for a course to start, oldest first."""
    return [entry_out(e) for e in courses.list_waitlist(request.auth)]


@router.post("/waitlist/entries", response={201: WaitlistEntryOut, **WRITE_ERRORS})
def add_to_waitlist(request, payload: WaitlistIn):
    _check_dates(earliest_date=payload.earliest_date, latest_start_date=payload.latest_start_date)
    values = payload.dict(by_alias=True)
    return 201, entry_out(courses.do_add_to_waitlist(request.auth, **values))


@router.post("/waitlist/entries/{entry_id}/withdraw", response={200: WaitlistEntryOut, **WRITE_ERRORS})
def withdraw(request, payload: WithdrawIn, entry_id: int = PathId):
    return entry_out(courses.do_withdraw_from_waitlist(request.auth, entry_id, reason=payload.reason))


@router.post("/waitlist/schedule", response={200: WaitlistRunOut, **WRITE_ERRORS})
def schedule_waitlist(request, payload: ScheduleWaitlistIn):
    """Book as many waiting courses as fit in the coming weeks; booked appointments never move."""
    _check_dates(start_date=payload.start_date)
    run = courses.do_schedule_waitlist(request.auth, weeks=payload.weeks, start_date=payload.start_date)
    return {"booked": [entry_out(e) for e in run.booked], "not_booked": [entry_out(e) for e in run.not_booked],
            "method": run.method}
