"""The durable outbox: every email KetaCare sends is a row here first.

An action queues its mail with `enqueue_email` inside its own transaction, so the mail exists if and
only if the action committed; `dispatch_outbox` (`ketacare outbox dispatch`) sends it later, never
inside a request, with retries and exponential backoff (docs/configuration.md, "Mail").
"""

from django.db import models
from django.utils import timezone


class MailKind(models.TextChoices):
    """Why a message is sent: what the staff page shows, and who may see it there."""

    SAFETY_ALERT = "safety_alert", "Safety alert"
    ALERT_ESCALATION = "alert_escalation", "Safety alert escalation"
    QUESTIONNAIRE_LINK = "questionnaire_link", "Questionnaire link"
    INQUIRY_CONFIRMATION = "inquiry_confirmation", "Consultation request confirmation"
    APPOINTMENT_REMINDER = "appointment_reminder", "Appointment reminder"
    INVITATION = "invitation", "Account invitation"
    PASSWORD_RESET = "password_reset", "Password reset"


# Mail whose loss puts a patient at risk: prescribers see its failures too, not only clinic admins.
SAFETY_KINDS = frozenset({MailKind.SAFETY_ALERT, MailKind.ALERT_ESCALATION})


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Waiting"  # not yet tried, or retrying (attempts > 0)
    SENDING = "sending", "Sending"  # claimed by a dispatcher; retried if still here when its lease ends
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed permanently"  # gave up after OUTBOX_MAX_ATTEMPTS
    DROPPED = "dropped", "Not sent (no longer needed)"  # too late, or its reason went away


class OutgoingMessage(models.Model):
    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40, choices=MailKind.choices)
    # What the message is about, "<app>.<model>:<id>" (e.g. "measures.alert:12"): ids, never names.
    reference = models.CharField(max_length=100, blank=True)
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # When a dispatcher may next try it: the backoff after a failure, or the lease while one is sending.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    send_before = models.DateTimeField(null=True, blank=True)  # not sent by then: dropped, never sent late
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["organisation", "status"], name="outbox_org_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} ({self.status})"

    @property
    def is_retrying(self) -> bool:
        return self.status == MessageStatus.PENDING and self.attempts > 0


# What a dispatcher picks up once next_attempt_at has come: new or retrying mail, and abandoned claims.
DUE_STATUSES = (MessageStatus.PENDING, MessageStatus.SENDING)
