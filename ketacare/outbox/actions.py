"""Queue mail (`enqueue_email`, inside the caller's transaction) and send it (`dispatch_outbox`).

Delivery protocol, the same on SQLite and PostgreSQL:
1. claim: in a short transaction, lock the due row (select_for_update skip_locked, so a second
   dispatcher on PostgreSQL passes over it) and mark it "sending" with a conditional UPDATE matched
   on its status, attempts and next_attempt_at: of two dispatchers exactly one wins (on SQLite, where
   row locks do not exist, the UPDATE alone decides). The claim sets next_attempt_at a lease ahead.
2. send after that commit, outside any transaction: a hanging SMTP server (bounded by EMAIL_TIMEOUT)
   holds no lock and, on SQLite, does not block the database for everyone else.
3. record sent, or the error with the next attempt after an exponential backoff, or failed for
   good after OUTBOX_MAX_ATTEMPTS.
A dispatcher that dies mid-send leaves its claim to be retried when the lease has expired. The one
duplicate possible is a dispatcher dying after the SMTP server accepted the message and before the
row was marked sent: a rare second copy is better than a lost safety alert.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ketacare.outbox.hooks import message_sent, reason_not_to_send
from ketacare.outbox.models import DUE_STATUSES, MailKind, MessageStatus, OutgoingMessage

logger = logging.getLogger(__name__)

MAX_RETRY_DELAY = dt.timedelta(hours=6)
# An SMTP exchange is about eight round trips, each bounded by EMAIL_TIMEOUT: a claim outlives them.
SMTP_ROUND_TRIPS = 10
MIN_LEASE = dt.timedelta(minutes=5)
DISPATCH_BATCH = 500


def enqueue_email(
    organisation,
    to: str,
    subject: str,
    body: str,
    *,
    kind: str,
    reference: str = "",
    send_before: dt.datetime | None = None,
) -> OutgoingMessage:
    """Queue one email. Call it inside the action's transaction: the mail exists iff the action committed."""
    if kind not in MailKind.values:
        raise ValueError(f"Unknown mail kind {kind!r}")
    if not to:
        raise ValueError("An outgoing email needs a recipient")
    return OutgoingMessage.objects.create(
        organisation=organisation,
        kind=kind,
        reference=reference,
        to=to,
        subject=subject[:200],
        body=body,
        send_before=send_before,
    )


def enqueue_emails(
    organisation, recipients: Iterable[str], subject: str, body: str, **options
) -> list[OutgoingMessage]:
    return [enqueue_email(organisation, to, subject, body, **options) for to in recipients]


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failure: base, 2 × base, 4 × base, … up to MAX_RETRY_DELAY."""
    base_seconds = settings.OUTBOX_RETRY_BASE_SECONDS
    return min(dt.timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0)), MAX_RETRY_DELAY)


def lease() -> dt.timedelta:
    """How long a claimed message waits before another dispatcher may retry it (its sender died)."""
    return max(MIN_LEASE, dt.timedelta(seconds=SMTP_ROUND_TRIPS * settings.EMAIL_TIMEOUT))


@dataclass
class DispatchResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    dropped: int = 0

    def __str__(self) -> str:
        return (
            f"sent {self.sent} email(s), {self.retrying} to retry, {self.failed} failed permanently, "
            f"{self.dropped} dropped"
        )


def dispatch_outbox(now: dt.datetime | None = None) -> DispatchResult:
    """One pass: send every message that is due (oldest first). Concurrent passes are safe."""
    now = now or timezone.now()
    result = DispatchResult()
    due = list(
        OutgoingMessage.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:DISPATCH_BATCH]
    )
    for message_id in due:
        message = _claim(message_id, now)
        if message is not None:
            _deliver(message, now, result)
    return result


def _claim(message_id: int, now: dt.datetime) -> OutgoingMessage | None:
    with transaction.atomic():
        message = (
            OutgoingMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status__in=DUE_STATUSES, next_attempt_at__lte=now)
            .first()
        )
        if message is None:
            return None
        claimed = OutgoingMessage.objects.filter(
            pk=message.pk,
            status=message.status,
            attempts=message.attempts,
            next_attempt_at=message.next_attempt_at,
        ).update(status=MessageStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now + lease())
        if not claimed:
            return None
    message.attempts += 1
    message.status = MessageStatus.SENDING
    return message


def _record(message: OutgoingMessage, **values) -> bool:
    """Write the outcome unless another dispatcher took the message over meanwhile (lease expired)."""
    return bool(
        OutgoingMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING, attempts=message.attempts).update(
            **values
        )
    )


def _deliver(message: OutgoingMessage, now: dt.datetime, result: DispatchResult) -> None:
    too_late = message.send_before is not None and now >= message.send_before
    reason = "Too late to be useful" if too_late else reason_not_to_send(message.kind, message.reference)
    if reason:
        _record(message, status=MessageStatus.DROPPED, last_error=reason)
        result.dropped += 1
        logger.info("Outgoing email %s dropped: %s", message.pk, reason)
        return
    try:
        EmailMessage(message.subject, message.body, None, [message.to]).send()
    except Exception as exc:  # any transport failure: counted, kept, retried after the backoff
        error = f"{type(exc).__name__}: {exc}"[:2000]
        # The log names the message and the kind of error only: an SMTP refusal can quote the address.
        error_kind = type(exc).__name__
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            _record(message, status=MessageStatus.FAILED, last_error=error)
            result.failed += 1
            logger.error(
                "Outgoing email %s failed permanently after %s attempts: %s", message.pk, message.attempts, error_kind
            )
        else:
            _record(
                message,
                status=MessageStatus.PENDING,
                last_error=error,
                next_attempt_at=now + retry_delay(message.attempts),
            )
            result.retrying += 1
            logger.warning("Outgoing email %s not sent (attempt %s): %s", message.pk, message.attempts, error_kind)
        return
    with transaction.atomic():
        message.sent_at = timezone.now()
        if _record(message, status=MessageStatus.SENT, sent_at=message.sent_at, last_error=""):
            message.status, message.last_error = MessageStatus.SENT, ""
            message_sent.send(sender=OutgoingMessage, message=message)
    result.sent += 1


def retry_now(message: OutgoingMessage) -> OutgoingMessage:
    """Make a retrying or failed message due at once (staff pressed "retry now"; the caller audits it).

    A message that had failed for good gets one more attempt; failing again, it is failed again.
    """
    retryable = message.attempts > 0 and message.status in (MessageStatus.PENDING, MessageStatus.FAILED)
    now = timezone.now()
    # Conditional: a dispatcher that claimed it meanwhile keeps it (no second copy while one is sending).
    if not retryable or not OutgoingMessage.objects.filter(
        pk=message.pk, status=message.status, attempts=message.attempts
    ).update(status=MessageStatus.PENDING, next_attempt_at=now):
        raise ValidationError({"message": f"This email is {message.get_status_display().lower()}; nothing to retry."})
    message.status, message.next_attempt_at = MessageStatus.PENDING, now
    return message


def drop_queued_mail(reason: str) -> int:
    """Drop every message not yet sent, keeping the rows (the demo seed: fictional addresses, old events)."""
    return OutgoingMessage.objects.filter(status__in=DUE_STATUSES).update(
        status=MessageStatus.DROPPED, last_error=reason
    )
