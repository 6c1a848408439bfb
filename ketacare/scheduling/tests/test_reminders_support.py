"""Builders shared by the reminder, feed, attendance and portal-schedule tests (no tests here)."""

import datetime as dt

from django.utils import timezone

from ketacare.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AppointmentType,
)


def appointment_type(org, kind=AppointmentKind.IV_INFUSION, *, name=None, instructions=""):
    return AppointmentType.objects.get_or_create(
        organisation=org,
        name=name or dict(AppointmentKind.choices)[kind],
        defaults={"kind": kind, "duration_minutes": 40, "patient_instructions": instructions},
    )[0]


def make_appointment(
    org,
    patient,
    created_by,
    *,
    starts_at=None,
    hours_ahead=None,
    location=None,
    kind=None,
    type_=None,
    status=AppointmentStatus.BOOKED,
    clinician=None,
    monitoring_nurse=None,
    minutes=60,
):
    """A booked appointment `hours_ahead` from now (or at `starts_at`), at the Portland location by default."""
    if starts_at is None:
        starts_at = timezone.now() + dt.timedelta(hours=hours_ahead)
    location = location or org.locations.get(name__endswith="Portland")
    type_ = type_ or appointment_type(org, kind or AppointmentKind.IV_INFUSION)
    return Appointment.objects.create(
        organisation=org,
        location=location,
        patient=patient,
        appointment_type=type_,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        status=status,
        clinician=clinician,
        monitoring_nurse=monitoring_nurse,
        created_by=created_by,
    )
