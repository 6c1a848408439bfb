"""Recording no-shows: a booked appointment whose start has passed and the patient did not come."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.lib.text import clean_reason
from ketacare.scheduling.models import Appointment, AppointmentStatus
from ketacare.scheduling.selectors.booking import access_appointment_by_id


@transaction.atomic
def do_mark_no_show(actor, appointment_id: int, *, reason: str = "", now: dt.datetime | None = None) -> Appointment:
    """Record that the patient did not come: only a booked appointment whose start has passed.

    Cancellations (late or in time, by SchedulingSettings.late_cancellation_hours) are
    actions/booking.py's do_cancel_appointment; selectors/attendance.py counts both.
    """
    require_permission(actor, Permission.SCHEDULE_BOOK)
    now = now or timezone.now()
    reason = clean_reason(reason, required=False)
    appointment = access_appointment_by_id(actor, appointment_id, audit=False, for_update=True)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(
            {
                "status": f"Only a booked appointment can be a no-show; this one is "
                f"{appointment.get_status_display().lower()}."
            }
        )
    if appointment.starts_at > now:
        raise ValidationError({"starts_at": "The appointment has not started yet; it cannot be a no-show."})
    appointment.status = AppointmentStatus.NO_SHOW
    appointment.status_reason, appointment.status_changed_at, appointment.status_changed_by = reason, now, actor
    appointment.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by", "updated_at"])
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        appointment,
        patient=appointment.patient,
        detail={"status": AppointmentStatus.NO_SHOW, "from": AppointmentStatus.BOOKED, "reason": reason},
    )
    return appointment
