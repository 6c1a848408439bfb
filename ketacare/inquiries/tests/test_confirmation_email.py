"""The confirmation email: queued with the request, sent by the outbox dispatcher through real SMTP;
a mail failure loses nothing and the page never claims a mail was sent."""

from email.header import decode_header, make_header

import pytest
from django.core.management import call_command

from ketacare.inquiries.models import Inquiry
from ketacare.inquiries.tests.conftest import api_body, form_data
from ketacare.outbox.models import MailKind, MessageStatus, OutgoingMessage

# Real commits, so anything registered with transaction.on_commit runs inside the request as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_requester_gets_a_confirmation_without_clinical_details(client, org, smtp_server):
    response = client.post(f"/c/{org.slug}/request/", form_data(reasons=["suicidal_thoughts", "ptsd"]))
    assert response.status_code == 200
    assert smtp_server.messages == []  # nothing is sent inside the request
    call_command("outbox", "dispatch")
    [message] = smtp_server.messages
    assert message["To"] == "robin@example.org"
    assert str(make_header(decode_header(message["Subject"]))) == "We received your consultation request — Harbor"
    body = message.get_payload(decode=True).decode()
    assert "What happens next" in body
    assert org.crisis_line in body
    for clinical in ("Suicidal thoughts", "suicidal_thoughts", "PTSD", "ptsd", "Sertraline", "1985"):
        assert clinical not in body
    queued = OutgoingMessage.objects.get()
    assert (queued.kind, queued.reference) == (
        MailKind.INQUIRY_CONFIRMATION,
        f"inquiries.inquiry:{Inquiry.objects.get().pk}",
    )


def test_the_page_says_a_confirmation_will_be_sent_not_that_it_was(client, org, smtp_server):
    html = client.post(f"/c/{org.slug}/request/", form_data()).content.decode()
    assert "We will send a confirmation to your email address" in html
    assert "We have sent" not in html


def test_no_email_address_means_no_email(client, org, smtp_server):
    client.post(f"/c/{org.slug}/request/", form_data(email=""))
    call_command("outbox", "dispatch")
    assert Inquiry.objects.count() == 1
    assert smtp_server.messages == [] and not OutgoingMessage.objects.exists()


def test_a_repeat_is_confirmed_again_and_a_honeypot_hit_is_not(client, org, smtp_server):
    client.post(f"/c/{org.slug}/request/", form_data())
    client.post(f"/c/{org.slug}/request/", form_data())
    client.post(f"/c/{org.slug}/request/", form_data(website="x", email="bot@example.org"))
    call_command("outbox", "dispatch")
    assert [m["To"] for m in smtp_server.messages] == ["robin@example.org", "robin@example.org"]


def test_a_mail_server_failure_keeps_the_request_and_the_mail_for_a_retry(client, org, settings, free_port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there: connection refused
    page = client.post(f"/c/{org.slug}/request/", form_data())
    api = client.post(
        "/api/v1/inquiries",
        api_body(org, first_name="Sam", email="sam@example.org", phone=""),
        content_type="application/json",
    )
    assert page.status_code == 200
    assert api.status_code == 201
    assert sorted(Inquiry.objects.values_list("first_name", flat=True)) == ["Robin", "Sam"]
    call_command("outbox", "dispatch")
    assert set(OutgoingMessage.objects.values_list("to", "status", "attempts")) == {
        ("robin@example.org", MessageStatus.PENDING, 1),
        ("sam@example.org", MessageStatus.PENDING, 1),
    }
