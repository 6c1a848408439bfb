"""The confirmation email: sent after commit through real SMTP; a mail failure loses nothing."""

from email.header import decode_header, make_header

import pytest

from ketacare.inquiries.models import Inquiry
from ketacare.inquiries.tests.conftest import api_body, form_data

# Real commits, so transaction.on_commit runs inside the request as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_requester_gets_a_confirmation_without_clinical_details(client, org, smtp_server):
    response = client.post(f"/c/{org.slug}/request/", form_data(reasons=["suicidal_thoughts", "ptsd"]))
    assert response.status_code == 200
    [message] = smtp_server.messages
    assert message["To"] == "robin@example.org"
    assert str(make_header(decode_header(message["Subject"]))) == "We received your consultation request — Harbor"
    body = message.get_payload(decode=True).decode()
    assert "What happens next" in body
    assert org.crisis_line in body
    for clinical in ("Suicidal thoughts", "suicidal_thoughts", "PTSD", "ptsd", "Sertraline", "1985"):
        assert clinical not in body


def test_no_email_address_means_no_email(client, org, smtp_server):
    client.post(f"/c/{org.slug}/request/", form_data(email=""))
    assert Inquiry.objects.count() == 1
    assert smtp_server.messages == []


def test_a_repeat_is_confirmed_again_and_a_honeypot_hit_is_not(client, org, smtp_server):
    client.post(f"/c/{org.slug}/request/", form_data())
    client.post(f"/c/{org.slug}/request/", form_data())
    client.post(f"/c/{org.slug}/request/", form_data(website="x", email="bot@example.org"))
    assert [m["To"] for m in smtp_server.messages] == ["robin@example.org", "robin@example.org"]


def test_a_mail_server_failure_keeps_the_request_and_is_not_a_500(client, org, settings, caplog, free_port):
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
    assert "could not be sent" in caplog.text
