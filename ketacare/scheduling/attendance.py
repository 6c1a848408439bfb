"""No-shows and late cancellations: recording no-shows, counting both per patient."""

import dataclasses
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id
from ketacare.scheduling.models import Appointment, AppointmentStatus
from ketacare.scheduling.selectors import access_appointment_by_id, scheduling_settings

REASON_MAX_CHARS = 2000


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError({"reason": f"Keep the reason under {REASON_MAX_CHARS} characters."})
    return reason


@transaction.atomic
def do_mark_no_show(actor, appointment_id: int, *, reason: str = "", now: dt.datetime | None = None) -> Appointment:
    """Record that the patient did not come: only a booked appointment whose start has passed.

    Cancellations (late or in time, by SchedulingSettings.late_cancellation_hours) are
    actions.do_cancel_appointment; this module counts both.
    """
    require_permission(actor, Permission.SCHEDULE_BOOK)
    now = now or timezone.now()
    reason = _clean_reason(reason)
    appointment = access_appointment_by_id(actor, appointment_id, audit=False, for_update=True)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError({"status": f"Only a booked appointment can be a no-show; this one is "
                                         f"{appointment.get_status_display().lower()}."})
    if appointment.starts_at > now:
        raise ValidationError({"starts_at": "The appointment has not started yet; it cannot be a no-show."})
    appointment.status = AppointmentStatus.NO_SHOW
    appointment.status_reason, appointment.status_changed_at, appointment.status_changed_by = reason, now, actor
    appointment.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by",
                                    "updated_at"])
    record_event(actor, AuditAction.STATUS_CHANGE, appointment, patient=appointment.patient,
                 detail={"status": AppointmentStatus.NO_SHOW, "from": AppointmentStatus.BOOKED, "reason": reason})
    return appointment


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
    history = list(appointments.filter(status__in=[AppointmentStatus.NO_SHOW, AppointmentStatus.LATE_CANCELLED])
                   .select_related(*related).order_by("-starts_at")[:50])
    unmarked = list(appointments.filter(status=AppointmentStatus.BOOKED, starts_at__lte=now)
                    .select_related(*related).order_by("-starts_at")[:50])
    upcoming = list(appointments.filter(status=AppointmentStatus.BOOKED, starts_at__gt=now)
                    .select_related(*related).order_by("starts_at")[:50])
    return AttendanceSummary(
        patient=patient, history=history, unmarked=unmarked, upcoming=upcoming,
        late_cancellation_hours=scheduling_settings(patient.organisation_id).late_cancellation_hours, **counts,
    )
