"""Appointment reminders by email: which are due, and the dispatch that sends each once.

What a reminder says is patient_texts.reminder_message.

Delivery protocol (docs/scheduling-reminders-feeds.md):
1. claim: INSERT the Reminder row (unique per appointment and hours_before) in its own
   transaction; the run that gets IntegrityError skips it, so concurrent runs never both send;
2. send after that commit, outside any transaction (a slow SMTP server holds no lock);
3. record sent_at, or the error, which makes the row retryable on the next run.
A row claimed but neither sent nor failed (the job died mid-send) is retried only once its
lease has expired. The one case that can repeat a mail is a job that dies after the SMTP
server accepted it and before sent_at was written: we prefer a rare duplicate to a lost
preparation reminder (fasting, a driver home), so the dispatch is at-least-once across
crashes and exactly-once otherwise.
"""

import dataclasses
import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.scheduling.models import (
    Appointment,
    AppointmentStatus,
    Reminder,
    SchedulingSettings,
)
from ketacare.scheduling.patient_texts import reminder_message

logger = logging.getLogger(__name__)

# Both are operational choices, not clinical ones (settings; docs/scheduling-reminders-feeds.md),
# read when used so a changed setting (or a test's override) takes effect.


def lease() -> dt.timedelta:
    """How long a claimed, unsent reminder waits before another run retries it: longer than one
    SMTP attempt can take (EMAIL_TIMEOUT is 10 s by default)."""
    return dt.timedelta(minutes=settings.SCHEDULING_REMINDER_LEASE_MINUTES)


def grace() -> dt.timedelta:
    """How late a reminder may still go out after its moment (the job was down, or the appointment
    was booked inside the window): one booked 10 hours ahead gets neither the 48 h nor the 24 h one."""
    return dt.timedelta(hours=settings.SCHEDULING_REMINDER_GRACE_HOURS)


# ---- pure rules -----------------------------------------------------------------------------


def reminder_hours(first_hours: int, second_hours: int) -> tuple[int, ...]:
    """The distinct, positive reminder offsets, earliest reminder first (0 switches one off)."""
    return tuple(sorted({h for h in (first_hours, second_hours) if h > 0}, reverse=True))


def _next_offset(hours_before: int, offsets: tuple[int, ...]) -> int:
    later = [h for h in offsets if h < hours_before]
    return max(later) if later else 0


def is_due(starts_at: dt.datetime, now: dt.datetime, hours_before: int, offsets: tuple[int, ...]) -> bool:
    """A reminder may first be sent from its moment until the grace runs out or the next one is due."""
    opens = starts_at - dt.timedelta(hours=hours_before)
    closes = min(opens + grace(), starts_at - dt.timedelta(hours=_next_offset(hours_before, offsets)))
    return opens <= now < closes


def may_retry(starts_at: dt.datetime, now: dt.datetime, hours_before: int, offsets: tuple[int, ...]) -> bool:
    """A claimed, unsent reminder is worth retrying until the next reminder (or the start) supersedes it."""
    return now < starts_at - dt.timedelta(hours=_next_offset(hours_before, offsets))


# ---- dispatch -------------------------------------------------------------------------------


@dataclasses.dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0


def _settings_by_organisation() -> dict[int, SchedulingSettings]:
    return {s.organisation_id: s for s in SchedulingSettings.objects.all()}


def _claim_new(appointment: Appointment, hours_before: int, now: dt.datetime) -> Reminder | None:
    """INSERT the claim in its own transaction; None when another run already holds it."""
    try:
        with transaction.atomic():
            return Reminder.objects.create(
                appointment=appointment, hours_before=hours_before, claimed_at=now, attempts=1
            )
    except IntegrityError:
        return None


def _reclaim(reminder: Reminder, now: dt.datetime) -> bool:
    """Take over a failed or lease-expired claim; the conditional UPDATE lets exactly one run win."""
    return bool(
        Reminder.objects.filter(
            pk=reminder.pk,
            sent_at__isnull=True,
            claimed_at=reminder.claimed_at,
            attempts=reminder.attempts,
        ).update(claimed_at=now, attempts=F("attempts") + 1, last_error="")
    )


def _deliver(reminder: Reminder, appointment: Appointment, late_cancellation_hours: int) -> bool | None:
    """Send one claimed reminder (after the claim committed) and record the outcome; None if moot."""
    # The appointment may have been cancelled between the scan and the claim.
    if not Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED).exists():
        Reminder.objects.filter(pk=reminder.pk).update(last_error="Appointment no longer booked")
        return None
    subject, body = reminder_message(appointment, late_cancellation_hours)
    try:
        send_mail(subject, body, None, [appointment.patient.email])
    except Exception as exc:  # any transport failure: the row stays unsent and is retried
        error = f"{type(exc).__name__}: {exc}"[:2000]
        Reminder.objects.filter(pk=reminder.pk).update(last_error=error)
        logger.warning("Reminder %s not sent (attempt %s): %s", reminder.pk, reminder.attempts, error)
        return False
    with transaction.atomic():
        Reminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now(), last_error="")
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
                "to": appointment.patient.email,
            },
        )
    return True


def send_due_reminders(now: dt.datetime | None = None) -> DispatchResult:
    """One pass: retry failed or abandoned claims, then claim and send newly due reminders."""
    now = now or timezone.now()
    result = DispatchResult()
    policies = _settings_by_organisation()
    default_policy = SchedulingSettings()

    def policy(appointment):
        return policies.get(appointment.organisation_id, default_policy)

    def offsets(appointment):
        p = policy(appointment)
        return reminder_hours(p.first_reminder_hours, p.second_reminder_hours)

    def deliver(reminder, appointment):
        outcome = _deliver(reminder, appointment, policy(appointment).late_cancellation_hours)
        if outcome is not None:
            result.sent += outcome
            result.failed += not outcome

    live = Q(appointment__status=AppointmentStatus.BOOKED, appointment__starts_at__gt=now)
    retryable = (
        Reminder.objects.filter(live, sent_at__isnull=True)
        .filter(~Q(last_error="") | Q(claimed_at__lte=now - lease()))
        .select_related(
            "appointment__patient",
            "appointment__location",
            "appointment__appointment_type",
            "appointment__organisation",
        )
        .order_by("id")
    )
    for reminder in list(retryable):
        appointment = reminder.appointment
        if not may_retry(appointment.starts_at, now, reminder.hours_before, offsets(appointment)):
            continue
        if _reclaim(reminder, now):
            reminder.attempts += 1
            deliver(reminder, appointment)

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
        for hours_before in offsets(appointment):
            if (appointment.pk, hours_before) in claimed:
                continue
            if not is_due(appointment.starts_at, now, hours_before, offsets(appointment)):
                continue
            reminder = _claim_new(appointment, hours_before, now)
            if reminder is not None:
                deliver(reminder, appointment)
    return result
