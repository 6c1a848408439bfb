"""Safety: PHQ-9 item 9 / C-SSRS risk raise one urgent alert and content-free outbox mail; dispatch, escalation,
acknowledgement."""

import datetime as dt
from email.header import decode_header, make_header

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.measures import actions
from ketacare.measures.models import Alert, AlertStatus, MeasurementSettings
from ketacare.measures.tests.conftest import PHQ9_ITEM9, PHQ9_SAFE, as_answers
from ketacare.outbox.models import MailKind, MessageStatus, OutgoingMessage

pytestmark = pytest.mark.django_db


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


@pytest.fixture
def flagged(assign, patient, staff):
    """A submitted PHQ-9 with item 9 = 2 (the staff fixture provides the prescriber who is mailed)."""
    return actions.do_submit_response(
        patient.user, assign(patient).assignment, channel="portal", answers=as_answers(PHQ9_ITEM9)
    )


def test_item_9_above_zero_raises_exactly_one_alert_and_one_outbox_mail(flagged, staff, patient):
    alert = Alert.objects.get()
    assert (alert.response_id, alert.patient_id, alert.kind, alert.severity, alert.status) == (
        flagged.pk,
        patient.pk,
        "suicidal_ideation",
        "urgent",
        "open",
    )
    email = OutgoingMessage.objects.get(kind=MailKind.SAFETY_ALERT)
    assert (email.to, email.kind, email.reference, email.status, email.attempts) == (
        staff["prescriber"].email,
        MailKind.SAFETY_ALERT,
        f"measures.alert:{alert.pk}",
        MessageStatus.PENDING,
        0,
    )
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="measures.alert").count() == 1


def test_a_safe_phq9_raises_nothing(assign, patient, staff):
    actions.do_submit_response(
        patient.user, assign(patient).assignment, channel="portal", answers=as_answers(PHQ9_SAFE)
    )
    assert not Alert.objects.exists()
    assert not OutgoingMessage.objects.filter(kind=MailKind.SAFETY_ALERT).exists()


@pytest.mark.parametrize(
    "answers, kind",
    [
        ([1, 1, 1, 0, 0, 0, None], "cssrs_moderate_risk"),
        ([1, 1, 0, 1, 0, 0, None], "cssrs_high_risk"),
    ],
)
def test_cssrs_moderate_or_high_raises_an_alert(staff, patient, answers, kind):
    actions.do_enter_response(staff["nurse"], patient, "cssrs_screener", as_answers(answers))
    assert list(Alert.objects.values_list("kind", flat=True)) == [kind]


def test_cssrs_low_raises_nothing(staff, patient):
    actions.do_enter_response(staff["nurse"], patient, "cssrs_screener", as_answers([1, 0, None, None, None, 0, None]))
    assert not Alert.objects.exists()


def test_alert_is_lost_with_the_response_if_submission_fails(assign, patient, staff):
    """Alert and response share one transaction: an invalid submission leaves neither."""
    with pytest.raises(ValidationError):
        actions.do_submit_response(
            patient.user, assign(patient).assignment, channel="portal", answers={**as_answers(PHQ9_ITEM9), "5": 7}
        )
    assert not Alert.objects.exists() and not OutgoingMessage.objects.filter(kind=MailKind.SAFETY_ALERT).exists()


def test_dispatch_delivers_the_alert_mail(flagged, staff, smtp_server):
    call_command("measures_dispatch")
    [message] = [m for m in smtp_server.messages if "safety" in subject(m)]
    assert message["To"] == staff["prescriber"].email
    assert subject(message) == "Urgent: patient safety alert — Harbor"
    email = OutgoingMessage.objects.get(kind=MailKind.SAFETY_ALERT)
    assert email.sent_at is not None and email.attempts == 1 and email.status == MessageStatus.SENT
    call_command("measures_dispatch")  # nothing is sent twice
    assert len([m for m in smtp_server.messages if "safety" in subject(m)]) == 1


def test_with_the_mail_server_down_the_mail_stays_queued_and_the_alert_open(
    flagged, staff, settings, signed_in, free_port
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    call_command("measures_dispatch")
    call_command("measures_dispatch")  # not yet due again: the first failure set a backoff
    email = OutgoingMessage.objects.get(kind=MailKind.SAFETY_ALERT)
    assert email.sent_at is None and email.status == MessageStatus.PENDING
    assert email.attempts == 1 and email.next_attempt_at > timezone.now()
    assert "refused" in email.last_error.lower() or "error" in email.last_error.lower()
    page = signed_in(staff["nurse"]).get("/measures/alerts/")
    assert page.status_code == 200
    assert flagged.patient.record_number in page.content.decode()


def test_an_alert_open_past_the_threshold_is_escalated_once(flagged, staff, org):
    MeasurementSettings.objects.create(organisation=org, alert_escalation_minutes=30)
    alert = Alert.objects.get()
    assert actions.escalate_overdue_alerts(now=alert.raised_at + dt.timedelta(minutes=29)) == 0
    assert actions.escalate_overdue_alerts(now=alert.raised_at + dt.timedelta(minutes=31)) == 1
    assert actions.escalate_overdue_alerts(now=alert.raised_at + dt.timedelta(minutes=90)) == 0
    alert.refresh_from_db()
    assert alert.escalated_at == alert.raised_at + dt.timedelta(minutes=31)
    escalation = OutgoingMessage.objects.get(kind=MailKind.ALERT_ESCALATION)
    assert escalation.to == staff["clinic_admin"].email
    assert escalation.reference == f"measures.alert:{alert.pk}"
    assert alert.status == AlertStatus.OPEN


def test_the_dispatch_command_escalates_and_mails_the_clinic_admin(flagged, staff, smtp_server):
    Alert.objects.update(raised_at=timezone.now() - dt.timedelta(hours=2))
    call_command("measures_dispatch")
    call_command("measures_dispatch")
    recipients = sorted(message["To"] for message in smtp_server.messages if "safety" in subject(message))
    assert recipients == sorted([staff["prescriber"].email, staff["clinic_admin"].email])
    assert Alert.objects.get().escalated_at is not None


def test_an_acknowledged_alert_is_not_escalated(flagged, staff):
    alert = actions.do_acknowledge_alert(staff["prescriber"], Alert.objects.get(), "Called, safe, plan reviewed")
    assert actions.escalate_overdue_alerts(now=alert.raised_at + dt.timedelta(days=1)) == 0


def test_concurrent_escalation_claims_each_alert_once(flagged, staff):
    """Two dispatchers that both saw the alert as a candidate: only the first claim succeeds."""
    alert = Alert.objects.get()
    later = alert.raised_at + dt.timedelta(hours=2)
    assert actions.claim_alert_escalation(alert.pk, later) is True
    assert actions.claim_alert_escalation(alert.pk, later + dt.timedelta(seconds=1)) is False
    alert.refresh_from_db()
    assert alert.escalated_at == later
    assert actions.escalate_overdue_alerts(now=later) == 0
    assert not OutgoingMessage.objects.filter(kind=MailKind.ALERT_ESCALATION).exists()


def test_acknowledging_needs_a_note(flagged, staff):
    alert = Alert.objects.get()
    with pytest.raises(ValidationError) as caught:
        actions.do_acknowledge_alert(staff["nurse"], alert, "   ")
    assert "note" in caught.value.message_dict
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_acknowledging_records_who_and_is_audited(flagged, staff):
    alert = actions.do_acknowledge_alert(staff["nurse"], Alert.objects.get(), "Called the patient")
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.acknowledgement_note) == (
        "acknowledged",
        staff["nurse"],
        "Called the patient",
    )
    assert (
        AuditEntry.objects.filter(
            action=AuditAction.STATUS_CHANGE, object_id=str(alert.pk), actor=staff["nurse"]
        ).count()
        == 1
    )
    with pytest.raises(ValidationError, match="already"):
        actions.do_acknowledge_alert(staff["prescriber"], alert, "again")


@pytest.mark.parametrize("role", ["front_desk", "therapist", "clinic_admin"])
def test_only_nurses_and_prescribers_acknowledge(flagged, staff, role):
    with pytest.raises(PermissionDenied):
        actions.do_acknowledge_alert(staff[role], Alert.objects.get(), "note")
    assert Alert.objects.get().status == AlertStatus.OPEN


def test_nothing_is_sent_on_commit_the_dispatcher_sends_it(
    assign, patient, staff, smtp_server, django_capture_on_commit_callbacks
):
    """The patient's request only queues the mail; the old code sent it on commit, inside the request."""
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_submit_response(
            patient.user, assign(patient).assignment, channel="portal", answers=as_answers(PHQ9_ITEM9)
        )
    assert smtp_server.messages == []
    call_command("outbox", "dispatch")
    assert [m["To"] for m in smtp_server.messages if "safety" in subject(m)] == [staff["prescriber"].email]


@pytest.fixture
def public_url(settings):
    settings.PUBLIC_BASE_URL = "https://clinic.example/"


@pytest.mark.parametrize("escalated", [False, True])
def test_alert_mail_says_only_that_an_alert_is_waiting_with_a_link(
    public_url, flagged, staff, patient, smtp_server, escalated
):
    if escalated:
        Alert.objects.update(raised_at=timezone.now() - dt.timedelta(hours=2))
    call_command("measures_dispatch")
    alert = Alert.objects.get()
    recipient = staff["clinic_admin" if escalated else "prescriber"].email
    [message] = [m for m in smtp_server.messages if m["To"] == recipient]
    body = message.get_payload(decode=True).decode()
    assert "urgent safety alert" in body
    assert f"https://clinic.example/measures/alerts/#alert-{alert.pk}" in body
    mail_text = subject(message) + body
    for private in (
        patient.first_name,
        patient.last_name,
        patient.record_number,
        "suicid",
        "PHQ",
        "item 9",
        alert.get_kind_display(),
    ):
        assert private.lower() not in mail_text.lower()


def test_the_navigation_counts_open_alerts_for_the_roles_that_see_them(flagged, staff, signed_in):
    badge = '<span class="badge" title="open alerts">1</span>'
    for role in ("nurse", "prescriber", "clinic_admin"):
        assert badge in signed_in(staff[role]).get("/patients/").content.decode(), role
    assert "open alerts" not in signed_in(staff["front_desk"]).get("/patients/").content.decode()
    actions.do_acknowledge_alert(staff["nurse"], Alert.objects.get(), "Called, safe")
    assert "open alerts" not in signed_in(staff["nurse"]).get("/patients/").content.decode()


def test_the_alert_list_shows_the_patients_phone_and_emergency_contact(flagged, staff, signed_in, patient):
    patient.phone, patient.emergency_contact_name, patient.emergency_contact_phone = (
        "+15035550199",
        "Alex Doe",
        "+15035550111",
    )
    patient.save()
    html = signed_in(staff["nurse"]).get("/measures/alerts/").content.decode()
    assert 'href="tel:+15035550199"' in html
    assert "Alex Doe" in html and 'href="tel:+15035550111"' in html
