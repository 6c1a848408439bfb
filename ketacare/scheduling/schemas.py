"""API shapes of single appointments and scheduling resources."""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import AwareDatetime, StringConstraints

from ketacare.scheduling.models import Appointment

# PostgreSQL refuses NUL in text; saying so in the schema turns it into a 422.
Text = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$", max_length=2000)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class AppointmentIn(Schema):
    patient_id: Id
    appointment_type_id: Id
    location_id: Id
    starts_at: AwareDatetime = Field(description="With its UTC offset, e.g. 2027-01-11T09:00:00-05:00")
    chair_id: Id | None = Field(None, description="Blank: the first free chair the type can use")
    clinician_id: Id | None = Field(None, description="Blank: the first free clinician with the type's skill")
    notes: Text = ""


class MoveIn(Schema):
    starts_at: AwareDatetime
    chair_id: Id | None = None
    clinician_id: Id | None = None
    reason: Text = ""


class CancelIn(Schema):
    reason: Annotated[str, StringConstraints(pattern=r"^[^\x00]*$", min_length=1, max_length=2000)]


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
        "course_id": appointment.course_id,
        "status": appointment.status,
        "status_reason": appointment.status_reason,
    }


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


class LocationOut(Schema):
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
    locations: list[LocationOut]
    appointment_types: list[AppointmentTypeOut]
    staff: list[StaffOut]
