"""The crisis page answers at once whatever the mail server does: the alert mail is only queued.

Real commits (transaction=True), so anything registered with transaction.on_commit runs inside the
request as it does in production: the old code sent the alert mail there and the page waited for the
SMTP server (31 s and a 500 under gunicorn with a hanging server).
"""

import time

import pytest
from django.core.management import call_command

from ketacare.measures.models import Alert
from ketacare.measures.tests.conftest import PHQ9_SAFE
from ketacare.outbox.models import MailKind, MessageStatus, OutgoingMessage

pytestmark = pytest.mark.django_db(transaction=True)

PHQ9_ITEM9_IS_3 = [*PHQ9_SAFE[:8], 3]
CRISIS_PAGE_SECONDS = 1.0


def form(values) -> dict[str, str]:
    return {f"item_{number}": str(value) for number, value in enumerate(values, start=1)}


def timed_post(client, url, data):
    started = time.monotonic()
    response = client.post(url, data)
    return response, time.monotonic() - started


def assert_crisis_page_and_queued_alert(response, seconds, staff):
    html = response.content.decode()
    assert response.status_code == 200
    assert "call or text 988" in html
    assert seconds < CRISIS_PAGE_SECONDS, f"the crisis page took {seconds:.1f} s"
    assert Alert.objects.count() == 1
    queued = OutgoingMessage.objects.get(kind=MailKind.SAFETY_ALERT)
    assert (queued.to, queued.status, queued.attempts) == (staff["prescriber"].email, MessageStatus.PENDING, 0)


def test_crisis_page_via_the_emailed_link_answers_within_a_second_with_a_hanging_smtp_server(
    client, assign, patient, staff, hanging_smtp_server
):
    token = assign(patient).link_token
    response, seconds = timed_post(client, f"/measures/r/{token}/submit/", form(PHQ9_ITEM9_IS_3))
    assert_crisis_page_and_queued_alert(response, seconds, staff)
    assert hanging_smtp_server.connections == 0  # nobody even tried to send inside the request


def test_crisis_page_via_the_portal_answers_within_a_second_with_a_hanging_smtp_server(
    signed_in, assign, patient, staff, hanging_smtp_server
):
    assignment = assign(patient).assignment
    client = signed_in(patient.user)
    response, seconds = timed_post(client, f"/measures/portal/{assignment.pk}/submit/", form(PHQ9_ITEM9_IS_3))
    assert_crisis_page_and_queued_alert(response, seconds, staff)
    assert hanging_smtp_server.connections == 0


def test_dispatch_against_a_hanging_server_gives_up_at_the_timeout_and_keeps_the_mail(
    client, assign, patient, staff, hanging_smtp_server, settings
):
    settings.EMAIL_TIMEOUT = 1
    token = assign(patient).link_token
    client.post(f"/measures/r/{token}/submit/", form(PHQ9_ITEM9_IS_3))
    started = time.monotonic()
    call_command("outbox", "dispatch")
    assert time.monotonic() - started < 10  # two messages (link, alert), each bounded by EMAIL_TIMEOUT
    alert_mail = OutgoingMessage.objects.get(kind=MailKind.SAFETY_ALERT)
    assert (alert_mail.status, alert_mail.attempts) == (MessageStatus.PENDING, 1)
    assert "timed out" in alert_mail.last_error
    assert hanging_smtp_server.connections >= 1
