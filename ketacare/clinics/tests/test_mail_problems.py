"""Email problems: staff see their organisation's failed and retrying mail, with attempts and the last
error, and can retry it now (audited); the navigation counts mail that failed for good."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinics.selectors import failed_mail_count
from ketacare.outbox.actions import dispatch_outbox, enqueue_email
from ketacare.outbox.models import MailKind, MessageStatus, OutgoingMessage

pytestmark = pytest.mark.django_db

PAGE = "/clinic/mail/"


def queue(org, kind, to):
    return enqueue_email(org, to, f"{kind} mail", "Body", kind=kind)


@pytest.fixture
def failed_after_the_limit(org, settings, free_port):
    """An alert mail and a confirmation that failed for good (the limit is 2 here), and a retrying confirmation
    (a kind no app's delivery check can drop: a questionnaire link without its assignment would be)."""
    settings.OUTBOX_MAX_ATTEMPTS = 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    alert = queue(org, MailKind.SAFETY_ALERT, "prescriber@example.org")
    confirmation = queue(org, MailKind.INQUIRY_CONFIRMATION, "robin@example.org")
    now = timezone.now()
    dispatch_outbox(now=now)
    dispatch_outbox(now=now + dt.timedelta(days=1))
    retrying = queue(org, MailKind.INQUIRY_CONFIRMATION, "sam@example.org")
    dispatch_outbox(now=now + dt.timedelta(days=2))
    for message in (alert, confirmation, retrying):
        message.refresh_from_db()
    assert (alert.status, alert.attempts, retrying.status, retrying.attempts) == (
        MessageStatus.FAILED,
        2,
        MessageStatus.PENDING,
        1,
    )
    return {"alert": alert, "confirmation": confirmation, "retrying": retrying}


def test_a_clinic_admin_sees_every_failed_and_retrying_mail_with_attempts_and_error(
    failed_after_the_limit, staff, signed_in
):
    page = signed_in(staff["clinic_admin"]).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    for message in failed_after_the_limit.values():
        assert f'id="mail-{message.pk}"' in html and message.to in html
    assert "Failed permanently" in html and "Retrying" in html
    assert "ConnectionRefusedError" in html
    assert AuditEntry.objects.filter(action=AuditAction.LIST, object_type="outbox.outgoingmessage").exists()


def test_a_prescriber_sees_the_safety_mail_only_and_front_desk_nothing(failed_after_the_limit, staff, signed_in):
    html = signed_in(staff["prescriber"]).get(PAGE).content.decode()
    assert f'id="mail-{failed_after_the_limit["alert"].pk}"' in html
    assert "robin@example.org" not in html and "sam@example.org" not in html
    assert signed_in(staff["front_desk"]).get(PAGE).status_code == 403


def test_another_organisations_staff_see_none_of_it(failed_after_the_limit, other_staff, signed_in):
    client = signed_in(other_staff["clinic_admin"])
    assert "prescriber@example.org" not in client.get(PAGE).content.decode()
    alert_mail = failed_after_the_limit["alert"]
    assert client.post(f"{PAGE}{alert_mail.pk}/retry/").status_code == 404


def test_retry_now_sends_a_failed_mail_and_is_audited(failed_after_the_limit, staff, signed_in, settings, smtp_server):
    alert_mail = failed_after_the_limit["alert"]
    client = signed_in(staff["prescriber"])
    response = client.post(f"{PAGE}{alert_mail.pk}/retry/")
    assert response.status_code == 302
    alert_mail.refresh_from_db()
    assert alert_mail.status == MessageStatus.PENDING and alert_mail.next_attempt_at <= timezone.now()
    assert AuditEntry.objects.filter(
        actor=staff["prescriber"], action=AuditAction.STATUS_CHANGE, object_id=str(alert_mail.pk)
    ).exists()
    dispatch_outbox()
    alert_mail.refresh_from_db()
    assert alert_mail.status == MessageStatus.SENT
    assert "prescriber@example.org" in [m["To"] for m in smtp_server.messages]
    again = client.post(f"{PAGE}{alert_mail.pk}/retry/", follow=True)
    assert "nothing to retry" in again.content.decode()


def test_the_navigation_counts_failed_mail_for_those_who_see_it(failed_after_the_limit, staff, signed_in):
    admin_nav = signed_in(staff["clinic_admin"]).get("/patients/").content.decode()
    assert 'Email problems <span class="badge" title="failed emails">2</span>' in admin_nav
    prescriber_nav = signed_in(staff["prescriber"]).get("/patients/").content.decode()
    assert 'Email problems <span class="badge" title="failed emails">1</span>' in prescriber_nav
    assert "Email problems" not in signed_in(staff["nurse"]).get("/patients/").content.decode()


def test_the_count_is_the_organisations_failed_mail_of_the_kinds_each_role_sees_with_sql_built_once(
    org, other_org, staff, other_staff
):
    def mail(organisation, kind, status):
        return OutgoingMessage.objects.create(
            organisation=organisation, kind=kind, to="p@example.org", subject="s", body="b", status=status
        )

    admin, prescriber = staff["clinic_admin"], staff["prescriber"]
    assert (failed_mail_count(admin), failed_mail_count(prescriber)) == (0, 0)
    alert_mail = mail(org, MailKind.SAFETY_ALERT, MessageStatus.FAILED)
    mail(org, MailKind.ALERT_ESCALATION, MessageStatus.FAILED)
    mail(org, MailKind.INQUIRY_CONFIRMATION, MessageStatus.FAILED)
    mail(org, MailKind.SAFETY_ALERT, MessageStatus.PENDING)
    mail(other_org, MailKind.SAFETY_ALERT, MessageStatus.FAILED)
    with mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("built a query's SQL again")):
        assert (failed_mail_count(admin), failed_mail_count(prescriber)) == (3, 2)
        assert failed_mail_count(other_staff["clinic_admin"]) == 1
    OutgoingMessage.objects.filter(pk=alert_mail.pk).update(status=MessageStatus.SENT)
    assert (failed_mail_count(admin), failed_mail_count(prescriber)) == (2, 1)
    with pytest.raises(PermissionDenied):
        failed_mail_count(staff["nurse"])


def test_a_sent_mail_is_not_on_the_page(org, staff, signed_in, smtp_server):
    sent = queue(org, MailKind.SAFETY_ALERT, "prescriber@example.org")
    dispatch_outbox()
    assert OutgoingMessage.objects.get(pk=sent.pk).status == MessageStatus.SENT
    assert f'id="mail-{sent.pk}"' not in signed_in(staff["clinic_admin"]).get(PAGE).content.decode()
