"""Attendance per patient: no-shows, late and timely cancellations, attended visits (SCHEDULE_VIEW)."""

import dataclasses
import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id
from ketacare.scheduling.models import Appointment, AppointmentStatus
from ketacare.scheduling.selectors.resources import scheduling_settings


@dataclasses.dataclass(frozen=True)
class AttendanceSummary:
    patient: Patient
    no_shows: int
    late_cancellations: int
    cancellations: int
    attended: int
    history: list[Appointment]  # the no-shows and late cancellations, newest first
    unmarked: list[Appointment]  # started, still "booked": waiting to be marked attended or no-show
    upcoming: list[Appointment]
    late_cancellation_hours: int


def access_attendance_by_patient_id(user, patient_id: int, *, now: dt.datetime | None = None) -> AttendanceSummary:
    """Counts per patient (audited as a view of the record through the patient registry); 404 elsewhere."""
    require_permission(user, Permission.SCHEDULE_VIEW)
    patient = access_patient_by_id(user, patient_id)
    now = now or timezone.now()
    appointments = Appointment.objects.filter(patient=patient)
    counts = appointments.aggregate(
        no_shows=Count("pk", filter=Q(status=AppointmentStatus.NO_SHOW)),
        late_cancellations=Count("pk", filter=Q(status=AppointmentStatus.LATE_CANCELLED)),
        cancellations=Count("pk", filter=Q(status=AppointmentStatus.CANCELLED)),
        attended=Count("pk", filter=Q(status__in=[AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED])),
    )
    related = ("location", "appointment_type")
    history = list(
        appointments.filter(status__in=[AppointmentStatus.NO_SHOW, AppointmentStatus.LATE_CANCELLED])
        .select_related(*related)
        .order_by("-starts_at")[:50]
    )
    unmarked = list(
        appointments.filter(status=AppointmentStatus.BOOKED, starts_at__lte=now)
        .select_related(*related)
        .order_by("-starts_at")[:50]
    )
    upcoming = list(
        appointments.filter(status=AppointmentStatus.BOOKED, starts_at__gt=now)
        .select_related(*related)
        .order_by("starts_at")[:50]
    )
    return AttendanceSummary(
        patient=patient,
        history=history,
        unmarked=unmarked,
        upcoming=upcoming,
        late_cancellation_hours=scheduling_settings(patient.organisation_id).late_cancellation_hours,
        **counts,
    )
