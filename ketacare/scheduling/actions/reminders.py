"""Appointment reminders by email: which are due, queued once each in the outbox.

What a reminder says is patient_texts.reminder_message.

Delivery protocol (docs/scheduling-reminders-feeds.md):
1. claim and queue in ONE transaction: INSERT the Reminder row (unique per appointment and
   hours_before) and queue its email in the outbox (ketacare/outbox). The run that gets
   IntegrityError rolls back and skips it, so concurrent runs never queue it twice; a run that dies
   leaves either both the claim and the mail or neither, so nothing is lost and nothing waits on a lease.
2. the outbox dispatcher sends it, never inside a request, retrying with backoff; before each attempt
   it asks `reminder_still_wanted` (a cancelled appointment gets no mail) and it drops the mail once the
   next reminder (or the start) supersedes it (`send_before`).
3. when it is sent, `record_reminder_sent` writes sent_at on the Reminder and the audit entry.
The outbox sends each message once per successful delivery; the one duplicate possible is a
dispatcher dying after the SMTP server accepted the mail and before it was marked sent.
"""

import dataclasses
import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.outbox.actions import enqueue_email
from ketacare.outbox.hooks import message_sent, register_delivery_check
from ketacare.outbox.models import MailKind, OutgoingMessage
from ketacare.scheduling.models import (
    Appointment,
    AppointmentStatus,
    Reminder,
    SchedulingSettings,
)
from ketacare.scheduling.patient_texts import reminder_message

REFERENCE_PREFIX = "scheduling.reminder:"


def grace() -> dt.timedelta:
    """How late a reminder may still go out after its moment (the job was down, or the appointment
    was booked inside the window): one booked 10 hours ahead gets neither the 48 h nor the 24 h one.
    A setting (docs/scheduling-reminders-feeds.md), read when used so a change takes effect."""
    return dt.timedelta(hours=settings.SCHEDULING_REMINDER_GRACE_HOURS)


# ---- pure rules -----------------------------------------------------------------------------


def reminder_hours(first_hours: int, second_hours: int) -> tuple[int, ...]:
    """The distinct, positive reminder offsets, earliest reminder first (0 switches one off)."""
    return tuple(sorted({h for h in (first_hours, second_hours) if h > 0}, reverse=True))


def _next_offset(hours_before: int, offsets: tuple[int, ...]) -> int:
    later = [h for h in offsets if h < hours_before]
    return max(later) if later else 0


def is_due(starts_at: dt.datetime, now: dt.datetime, hours_before: int, offsets: tuple[int, ...]) -> bool:
    """A reminder may first be queued from its moment until the grace runs out or the next one is due."""
    opens = starts_at - dt.timedelta(hours=hours_before)
    closes = min(opens + grace(), starts_at - dt.timedelta(hours=_next_offset(hours_before, offsets)))
    return opens <= now < closes


def send_before(starts_at: dt.datetime, hours_before: int, offsets: tuple[int, ...]) -> dt.datetime:
    """A queued reminder not yet delivered (mail server down) is worth sending until the next
    reminder (or the start) supersedes it; the outbox drops it after that."""
    return starts_at - dt.timedelta(hours=_next_offset(hours_before, offsets))


# ---- queueing -------------------------------------------------------------------------------


@dataclasses.dataclass
class QueueResult:
    queued: int = 0


def _settings_by_organisation() -> dict[int, SchedulingSettings]:
    return {s.organisation_id: s for s in SchedulingSettings.objects.all()}


def _claim_new(
    appointment: Appointment,
    hours_before: int,
    now: dt.datetime,
    offsets: tuple[int, ...],
    late_cancellation_hours: int,
) -> Reminder | None:
    """Claim, queue the mail and audit, in one transaction; None when another run holds the claim
    or the appointment was cancelled since the scan."""
    try:
        with transaction.atomic():
            if not Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED).exists():
                return None
            reminder = Reminder.objects.create(appointment=appointment, hours_before=hours_before, claimed_at=now)
            subject, body = reminder_message(appointment, late_cancellation_hours)
            enqueue_email(
                appointment.organisation,
                appointment.patient.email,
                subject,
                body,
                kind=MailKind.APPOINTMENT_REMINDER,
                reference=f"{REFERENCE_PREFIX}{reminder.pk}",
                send_before=send_before(appointment.starts_at, hours_before, offsets),
            )
            return reminder
    except IntegrityError:
        return None


def queue_due_reminders(now: dt.datetime | None = None) -> QueueResult:
    """One pass: queue every reminder now due that no run has queued yet (the outbox sends them)."""
    now = now or timezone.now()
    result = QueueResult()
    policies = _settings_by_organisation()
    default_policy = SchedulingSettings()

    def policy(appointment):
        return policies.get(appointment.organisation_id, default_policy)

    longest = max(
        [default_policy.first_reminder_hours, default_policy.second_reminder_hours]
        + [max(p.first_reminder_hours, p.second_reminder_hours) for p in policies.values()]
    )
    candidates = list(
        Appointment.objects.filter(
            status=AppointmentStatus.BOOKED, starts_at__gt=now, starts_at__lte=now + dt.timedelta(hours=longest)
        )
        .exclude(patient__email="")
        .select_related("patient", "location", "appointment_type", "organisation")
        .order_by("starts_at", "id")
    )
    claimed = set(
        Reminder.objects.filter(appointment__in=[a.pk for a in candidates]).values_list(
            "appointment_id", "hours_before"
        )
    )
    for appointment in candidates:
        offsets = reminder_hours(policy(appointment).first_reminder_hours, policy(appointment).second_reminder_hours)
        for hours_before in offsets:
            if (appointment.pk, hours_before) in claimed:
                continue
            if not is_due(appointment.starts_at, now, hours_before, offsets):
                continue
            late_cancellation_hours = policy(appointment).late_cancellation_hours
            if _claim_new(appointment, hours_before, now, offsets, late_cancellation_hours) is not None:
                result.queued += 1
    return result


# ---- the outbox's side (connected in SchedulingConfig.ready) ---------------------------------


def _reminder_id(reference: str) -> int:
    number = reference.removeprefix(REFERENCE_PREFIX)
    return int(number) if number.isdigit() else 0


def reminder_still_wanted(reference: str) -> str:
    """Before each attempt: "" to send, or why not (the appointment was cancelled or has begun)."""
    wanted = Reminder.objects.filter(
        pk=_reminder_id(reference),
        appointment__status=AppointmentStatus.BOOKED,
        appointment__starts_at__gt=timezone.now(),
    ).exists()
    return "" if wanted else "Appointment no longer booked"


def record_reminder_sent(sender, message: OutgoingMessage, **kwargs) -> None:
    """Delivered: the Reminder row and the audit trail say so (inside the outbox's transaction)."""
    if message.kind != MailKind.APPOINTMENT_REMINDER:
        return
    reminder = (
        Reminder.objects.select_related("appointment__patient", "appointment__organisation")
        .filter(pk=_reminder_id(message.reference))
        .first()
    )
    if reminder is None:
        return
    Reminder.objects.filter(pk=reminder.pk).update(sent_at=message.sent_at, attempts=message.attempts, last_error="")
    appointment = reminder.appointment
    record_event(
        None,
        AuditAction.CREATE,
        reminder,
        patient=appointment.patient,
        organisation=appointment.organisation,
        detail={
            "reminder": "sent",
            "appointment_id": appointment.pk,
            "hours_before": reminder.hours_before,
            "to": message.to,
        },
    )


def connect_to_outbox() -> None:
    register_delivery_check(MailKind.APPOINTMENT_REMINDER, reminder_still_wanted)
    message_sent.connect(record_reminder_sent, sender=OutgoingMessage, dispatch_uid="scheduling.reminder_sent")
