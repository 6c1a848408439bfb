"""API shapes of scheduling (every topic's input and output), and the preamble its routers share."""

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from ninja import Field, Schema
from pydantic import AwareDatetime, StringConstraints

from ketacare.lib.api import WRITE_ERRORS
from ketacare.lib.api_errors import ErrorOut
from ketacare.lib.forms import error_text
from ketacare.lib.ids import DbId
from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK, REASON_MAX_CHARS, TEXT_MAX_CHARS
from ketacare.scheduling.actions.waitlist import MAX_WAITLIST_WEEKS
from ketacare.scheduling.models import Appointment
from ketacare.scheduling.selectors.booking import SlotConflict
from ketacare.scheduling.selectors.courses import MAX_COURSE_HORIZON_DAYS

Text = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=TEXT_MAX_CHARS)]
Reason = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=REASON_MAX_CHARS)]
# A booking's writes also answer 409 when another booking holds the slot (conflict below).
SCHEDULING_WRITE_ERRORS = {**WRITE_ERRORS, 409: ErrorOut}
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def check_dates(**dates) -> None:
    """Far-off dates are typos (and would overflow time zone arithmetic): a 422 naming the field."""
    for name, value in dates.items():
        if value is not None and not EARLIEST <= value <= LATEST:
            raise ValidationError({name: f"Enter a date between {EARLIEST} and {LATEST}."})


def conflict(exc: SlotConflict):
    """Another booking holds the slot: 409 with a detail naming the field."""
    return 409, {"detail": error_text(exc)}


# ---------------------------------------------------------------------------
# Single appointments and resources


class AppointmentIn(Schema):
    patient_id: DbId
    appointment_type_id: DbId
    location_id: DbId
    starts_at: AwareDatetime = Field(description="With its UTC offset, e.g. 2027-01-11T09:00:00-05:00")
    chair_id: DbId | None = Field(None, description="Blank: the first free chair the type can use")
    clinician_id: DbId | None = Field(None, description="Blank: the first free clinician with the type's skill")
    notes: Text = ""


class MoveIn(Schema):
    starts_at: AwareDatetime
    chair_id: DbId | None = None
    clinician_id: DbId | None = None
    reason: Text = ""


class CancelIn(Schema):
    reason: Reason


class AppointmentOut(Schema):
    id: int
    patient_id: int
    patient_name: str
    appointment_type_id: int
    appointment_type: str
    location_id: int
    location_time_zone: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    local_start: str = Field(description="Start in the location's time zone, ISO 8601 with offset")
    chair_id: int | None
    chair_free_at: dt.datetime | None
    clinician_id: int | None
    monitoring_nurse_id: int | None
    course_id: int | None
    status: str
    status_reason: str


def appointment_out(appointment: Appointment) -> dict:
    zone = appointment.location.zone
    return {
        "id": appointment.pk,
        "patient_id": appointment.patient_id,
        "patient_name": appointment.patient.full_name,
        "appointment_type_id": appointment.appointment_type_id,
        "appointment_type": appointment.appointment_type.name,
        "location_id": appointment.location_id,
        "location_time_zone": appointment.location.time_zone,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "local_start": appointment.starts_at.astimezone(zone).isoformat(),
        "chair_id": appointment.chair_id,
        "chair_free_at": appointment.chair_free_at,
        "clinician_id": appointment.clinician_id,
        "monitoring_nurse_id": appointment.monitoring_nurse_id,
        "course_id": appointment.course_id,
        "status": appointment.status,
        "status_reason": appointment.status_reason,
    }


class FreeSlotOut(Schema):
    """A start at which the appointment can be booked now, with what the booking would take."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    location_id: int
    location_time_zone: str
    local_start: str = Field(description="Start in the location's time zone, ISO 8601 with offset")
    chair_id: int | None
    clinician_id: int | None
    monitoring_nurse_id: int | None


def free_slot_out(location, check) -> dict:
    return {
        "starts_at": check.starts_at,
        "ends_at": check.ends_at,
        "location_id": location.pk,
        "location_time_zone": location.time_zone,
        "local_start": check.starts_at.astimezone(location.zone).isoformat(),
        "chair_id": check.chair_id,
        "clinician_id": check.clinician_id,
        "monitoring_nurse_id": check.monitoring_nurse_id,
    }


class MonitoringNurseIn(Schema):
    nurse_id: DbId | None = Field(None, description="Blank: the first free nurse on shift who monitors")


class ClosedDateIn(Schema):
    date: dt.date
    reason: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=200)] = ""


class ClosedDateAddedOut(Schema):
    """The closed date, and the live appointments already booked that day: move or cancel them."""

    id: int
    location_id: int
    date: dt.date
    reason: str
    affected_appointments: list[AppointmentOut]


class OpeningHoursOut(Schema):
    weekday: int
    opens_at: dt.time
    closes_at: dt.time


class ChairOut(Schema):
    id: int
    name: str
    supports_iv: bool
    supports_esketamine: bool
    is_active: bool


class SchedulingLocationOut(Schema):
    id: int
    name: str
    time_zone: str
    opening_hours: list[OpeningHoursOut]
    closed_dates: list[dt.date]
    chairs: list[ChairOut]


class AppointmentTypeOut(Schema):
    id: int
    kind: str
    name: str
    preparation_minutes: int
    duration_minutes: int
    recovery_minutes: int
    turnover_minutes: int
    chair: str
    needs_monitoring: bool
    needs_prescriber_on_site: bool
    clinician_skill: str
    patient_instructions: str
    is_active: bool


class ShiftOut(Schema):
    location_id: int
    weekday: int
    starts_at: dt.time
    ends_at: dt.time


class StaffOut(Schema):
    id: int
    name: str
    role: str
    skills: list[str]
    shifts: list[ShiftOut]


class ResourcesOut(Schema):
    chairs_per_nurse: int
    prescriber_on_site_for_iv: bool
    slot_minutes: int
    locations: list[SchedulingLocationOut]
    appointment_types: list[AppointmentTypeOut]
    staff: list[StaffOut]


# ---------------------------------------------------------------------------
# Courses and the waitlist

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
TimeOfDay = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
EndOfDay = Annotated[str, StringConstraints(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")]


class AvailabilityWindow(Schema):
    days: list[Weekday] = Field(..., min_length=1, max_length=7)
    from_: TimeOfDay = Field(..., alias="from")
    to: EndOfDay


class CourseBookingIn(Schema):
    plan_id: DbId
    appointment_type_id: DbId
    location_ids: list[DbId] = Field(..., min_length=1, max_length=50)
    availability: list[AvailabilityWindow] = Field(
        default_factory=list, max_length=14, description="When the patient can come; empty with any_time"
    )
    any_time: bool = Field(False, description="Any time the location is open (ignores availability)")
    shift_days: int = Field(
        0,
        ge=0,
        le=MAX_COURSE_HORIZON_DAYS,
        description="Start the plan's windows this many days later (an offered alternative)",
    )

    def action_fields(self) -> dict:
        values = self.dict(by_alias=True)
        return {
            "appointment_type_id": values["appointment_type_id"],
            "location_ids": values["location_ids"],
            "availability": values["availability"],
            "any_time": values["any_time"],
            "shift_days": values["shift_days"],
        }


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
    chair_id: DbId | None = None
    reason: Text = ""


class CancelRestIn(Schema):
    reason: Reason


class WaitlistIn(Schema):
    patient_id: DbId
    appointment_type_id: DbId
    location_ids: list[DbId] = Field(..., min_length=1, max_length=50)
    earliest_date: dt.date
    latest_start_date: dt.date | None = None
    availability: list[AvailabilityWindow] = Field(..., min_length=1, max_length=14)
    sessions: int = Field(6, ge=1, le=60)
    min_days_between: int = Field(1, ge=0, le=60)
    max_span_days: int = Field(21, ge=0, le=366)
    plan_id: DbId | None = None


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


class WaitlistWithdrawIn(Schema):
    reason: Text = ""


class ScheduleWaitlistIn(Schema):
    weeks: int = Field(4, ge=1, le=MAX_WAITLIST_WEEKS)
    start_date: dt.date | None = Field(None, description="Default: tomorrow")


class WaitlistRunOut(Schema):
    booked: list[WaitlistEntryOut]
    not_booked: list[WaitlistEntryOut]
    method: str


# ---------------------------------------------------------------------------
# Calendar feeds, attendance, the patient's own appointments


class FeedOut(Schema):
    id: int
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class FeedCreatedOut(FeedOut):
    url: str = Field(..., description="The feed's address; shown only in this response")


class NoShowIn(Schema):
    reason: Text = ""


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
