"""The outbox: queued with the action, sent by the dispatcher to a real SMTP server, retried with backoff,
failed after the limit, dropped when no longer wanted, never sent twice by two dispatchers."""

import datetime as dt
import threading

import pytest
from django.core.mail.backends.smtp import EmailBackend
from django.db import connection, transaction
from django.utils import timezone

from ketacare.outbox import actions
from ketacare.outbox.actions import dispatch_outbox, enqueue_email, retry_delay
from ketacare.outbox.hooks import register_delivery_check
from ketacare.outbox.models import MailKind, MessageStatus, OutgoingMessage

pytestmark = pytest.mark.django_db


def queue(org, to="a@example.org", **options):
    options.setdefault("kind", MailKind.INQUIRY_CONFIRMATION)
    return enqueue_email(org, to, "Subject", "Body", **options)


def dead_smtp(settings, free_port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2


def test_a_queued_message_is_delivered_once_to_the_smtp_server(org, smtp_server):
    message = queue(org, kind=MailKind.SAFETY_ALERT)
    assert str(dispatch_outbox()).startswith("sent 1 email(s)")
    assert [m["To"] for m in smtp_server.messages] == ["a@example.org"]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 1, "")
    assert message.sent_at is not None
    dispatch_outbox()
    assert len(smtp_server.messages) == 1


def test_a_message_queued_in_a_rolled_back_transaction_does_not_exist(org, smtp_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(org)
        raise RuntimeError("the action failed")
    dispatch_outbox()
    assert not OutgoingMessage.objects.exists() and smtp_server.messages == []


def test_a_failing_send_is_retried_with_exponential_backoff_then_failed(org, settings, free_port, smtp_server):
    working_port = settings.EMAIL_PORT
    settings.OUTBOX_MAX_ATTEMPTS, settings.OUTBOX_RETRY_BASE_SECONDS = 3, 60
    message = queue(org)
    dead_smtp(settings, free_port)
    start = timezone.now()

    assert dispatch_outbox(now=start).retrying == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert message.next_attempt_at == start + dt.timedelta(seconds=60)
    assert "refused" in message.last_error.lower() or "error" in message.last_error.lower()

    assert dispatch_outbox(now=start + dt.timedelta(seconds=59)).retrying == 0  # still backing off
    second = start + dt.timedelta(seconds=60)
    assert dispatch_outbox(now=second).retrying == 1
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at == second + dt.timedelta(seconds=120)

    assert dispatch_outbox(now=second + dt.timedelta(seconds=120)).failed == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)
    settings.EMAIL_PORT = working_port
    dispatch_outbox(now=start + dt.timedelta(days=1))
    assert smtp_server.messages == []  # failed for good: only staff's "retry now" sends it again


def test_the_backoff_doubles_up_to_six_hours(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(30) == dt.timedelta(hours=6)


def test_a_message_past_its_send_before_is_dropped_not_sent(org, smtp_server):
    message = queue(org, send_before=timezone.now() - dt.timedelta(minutes=1))
    assert dispatch_outbox().dropped == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DROPPED and smtp_server.messages == []


def test_a_delivery_check_drops_a_message_no_longer_wanted(org, smtp_server, monkeypatch):
    monkeypatch.setattr("ketacare.outbox.hooks._delivery_checks", {})
    register_delivery_check(MailKind.QUESTIONNAIRE_LINK, lambda reference: "gone" if reference == "x:1" else "")
    unwanted = queue(org, kind=MailKind.QUESTIONNAIRE_LINK, reference="x:1")
    wanted = queue(org, to="b@example.org", kind=MailKind.QUESTIONNAIRE_LINK, reference="x:2")
    dispatch_outbox()
    unwanted.refresh_from_db()
    wanted.refresh_from_db()
    assert (unwanted.status, unwanted.last_error, wanted.status) == (MessageStatus.DROPPED, "gone", MessageStatus.SENT)
    assert [m["To"] for m in smtp_server.messages] == ["b@example.org"]


class SecondDispatcherMidSend(EmailBackend):
    """While the first dispatcher is talking to the SMTP server, a second one runs a whole pass."""

    def send_messages(self, email_messages):
        dispatch_outbox()
        return super().send_messages(email_messages)


def test_a_second_dispatcher_during_a_send_does_not_send_the_same_message(org, smtp_server, settings):
    settings.EMAIL_BACKEND = f"{__name__}.SecondDispatcherMidSend"
    for n in range(3):
        queue(org, to=f"p{n}@example.org")
    dispatch_outbox()
    assert sorted(m["To"] for m in smtp_server.messages) == ["p0@example.org", "p1@example.org", "p2@example.org"]
    assert set(OutgoingMessage.objects.values_list("status", "attempts")) == {(MessageStatus.SENT, 1)}


def test_a_claim_left_by_a_dead_dispatcher_is_retried_after_its_lease(org, smtp_server):
    message = queue(org)
    now = timezone.now()
    assert actions._claim(message.pk, now) is not None  # claimed, then the dispatcher died
    assert dispatch_outbox(now=now).sent == 0
    assert dispatch_outbox(now=now + actions.lease()).sent == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert len(smtp_server.messages) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_dispatchers_send_each_message_once(org, smtp_server, monkeypatch):
    for n in range(6):
        queue(org, to=f"p{n}@example.org")
    # Both passes finish their scan before either claims: the claim must decide.
    both_scanned = threading.Barrier(2, timeout=30)
    waited = set()
    real_claim = actions._claim

    def claim_after_both_scanned(*args):
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            both_scanned.wait()
        return real_claim(*args)

    monkeypatch.setattr(actions, "_claim", claim_after_both_scanned)
    results, errors = [], []

    def run():
        try:
            results.append(dispatch_outbox())
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.sent for r in results) == 6
    assert sorted(m["To"] for m in smtp_server.messages) == [f"p{n}@example.org" for n in range(6)]
