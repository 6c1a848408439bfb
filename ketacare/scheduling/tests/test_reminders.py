"""Reminders: which are due (48 h / 24 h, missed windows), what they say, and exactly-once delivery through
the outbox."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from ketacare.audit.models import AuditEntry
from ketacare.outbox.actions import dispatch_outbox, retry_delay
from ketacare.outbox.models import MailKind, MessageStatus, OutgoingMessage
from ketacare.scheduling import patient_texts
from ketacare.scheduling.actions import reminders
from ketacare.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Reminder,
    SchedulingSettings,
)
from ketacare.scheduling.tests.test_reminders_support import (
    appointment_type,
    make_appointment,
)

LA = zoneinfo.ZoneInfo("America/Los_Angeles")
T = dt.datetime(2026, 12, 1, 17, 30, tzinfo=dt.UTC)
OFFSETS = (48, 24)


def hours(n):
    return dt.timedelta(hours=n)


# ---- pure rules ------------------------------------------------------------------------------


def test_reminder_hours_drop_duplicates_and_zero():
    assert reminders.reminder_hours(48, 24) == (48, 24)
    assert reminders.reminder_hours(24, 48) == (48, 24)
    assert reminders.reminder_hours(24, 24) == (24,)
    assert reminders.reminder_hours(72, 0) == (72,)


@pytest.mark.parametrize(
    "before, due",
    [
        (hours(49), []),
        (hours(48), [48]),
        (hours(47), [48]),  # booked 47 h ahead: the 48 h reminder still goes, a little late
        (hours(42) - dt.timedelta(minutes=1), []),  # the grace (6 h) has run out
        (hours(24), [24]),
        (hours(19), [24]),
        (hours(10), []),  # booked 10 h ahead: both windows missed, nothing is sent
        (dt.timedelta(0), []),
    ],
)
def test_due_windows(before, due):
    now = T - before
    assert [h for h in OFFSETS if reminders.is_due(T, now, h, OFFSETS)] == due


def test_a_reminder_window_closes_when_the_next_one_opens():
    offsets = (48, 46)
    assert reminders.is_due(T, T - hours(47), 48, offsets)
    assert not reminders.is_due(T, T - hours(46), 48, offsets)
    assert reminders.is_due(T, T - hours(46), 46, offsets)


def test_an_undelivered_reminder_is_worth_sending_until_the_next_one_supersedes_it():
    assert reminders.send_before(T, 48, OFFSETS) == T - hours(24)
    assert reminders.send_before(T, 24, OFFSETS) == T


def test_local_time_is_in_the_locations_zone():
    assert patient_texts.local_time_text(T, LA) == "Tuesday 1 December 2026 at 9:30 AM PST"


def test_default_instructions_by_kind(org):
    esketamine = appointment_type(org, AppointmentKind.ESKETAMINE)
    text = patient_texts.preparation_instructions(esketamine)
    assert "2 hours" in text and "30 minutes" in text and "drive" in text and "next day" in text
    iv = appointment_type(org, AppointmentKind.IV_INFUSION)
    assert "fasting" in patient_texts.preparation_instructions(
        iv
    ) and "next day" in patient_texts.preparation_instructions(iv)
    assert patient_texts.preparation_instructions(appointment_type(org, AppointmentKind.CONSULTATION)) == ""
    own = appointment_type(
        org, AppointmentKind.IV_INFUSION, name="IV (our way)", instructions="Nothing to eat after 6 AM."
    )
    assert patient_texts.preparation_instructions(own) == "Nothing to eat after 6 AM."


# ---- dispatch --------------------------------------------------------------------------------


@pytest.fixture
def booked(org, patient, staff):
    """booked(hours_ahead, **kw): an appointment of `patient` at Harbor Portland."""
    return lambda hours_ahead, **kw: make_appointment(org, patient, staff["front_desk"], hours_ahead=hours_ahead, **kw)


def subject(message) -> str:
    return " ".join(message["Subject"].split())  # unfold the long header


def run(now=None):
    """One `send_reminders` pass: queue what is due, then dispatch the outbox."""
    queued = reminders.queue_due_reminders(now=now)
    dispatch_outbox(now=now)
    return queued


def texts(smtp_server):
    return [(m["To"], subject(m), m.get_payload()) for m in smtp_server.messages]


def test_job_run_twice_sends_each_reminder_once(booked, patient, smtp_server):
    appointment = booked(47, kind=AppointmentKind.ESKETAMINE)
    call_command("send_reminders")
    call_command("send_reminders")
    [(to, subject, body)] = texts(smtp_server)
    assert to == patient.email
    local = appointment.starts_at.astimezone(LA)
    assert patient_texts.local_time_text(appointment.starts_at, LA) in subject
    assert f"{local.hour % 12 or 12}:{local:%M %p}" in body and "Harbor Portland" in body
    assert "Do not eat for 2 hours" in body and "next day" in body
    reminder = Reminder.objects.get()
    assert (reminder.hours_before, reminder.attempts, reminder.last_error) == (48, 1, "")
    assert reminder.sent_at is not None
    assert AuditEntry.objects.filter(object_type="scheduling.reminder", object_id=str(reminder.pk)).count() == 1
    mail = OutgoingMessage.objects.get()
    assert (mail.kind, mail.reference, mail.status) == (
        MailKind.APPOINTMENT_REMINDER,
        f"scheduling.reminder:{reminder.pk}",
        MessageStatus.SENT,
    )


def test_the_48_and_24_hour_reminders_each_go_once(booked, smtp_server):
    appointment = booked(47)
    run()
    run(now=appointment.starts_at - hours(23))
    run(now=appointment.starts_at - hours(22))
    assert len(smtp_server.messages) == 2
    assert sorted(Reminder.objects.values_list("hours_before", flat=True)) == [24, 48]


def test_settings_change_the_hours(org, booked, smtp_server):
    SchedulingSettings.objects.create(organisation=org, first_reminder_hours=72, second_reminder_hours=0)
    booked(71)
    booked(47)
    run()
    assert list(Reminder.objects.values_list("hours_before", flat=True)) == [72]


def test_nothing_for_missed_windows_cancelled_past_or_unreachable(
    org, booked, make_patient_with_no_email, staff, smtp_server
):
    booked(10)  # booked 10 h ahead: the 24 h window was missed
    booked(30)  # between the windows
    booked(47, status=AppointmentStatus.CANCELLED)
    booked(-1)
    make_appointment(org, make_patient_with_no_email, staff["front_desk"], hours_ahead=47)
    assert run().queued == 0
    assert smtp_server.messages == [] and not Reminder.objects.exists() and not OutgoingMessage.objects.exists()


@pytest.fixture
def make_patient_with_no_email(org, make_patient):
    return make_patient(org, 9, email="")


def dead_smtp(settings, free_port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2


def test_a_failing_smtp_server_is_retried_later_not_lost(booked, settings, smtp_server, free_port):
    working_port = settings.EMAIL_PORT
    booked(47)
    dead_smtp(settings, free_port)
    assert run().queued == 1
    reminder = Reminder.objects.get()
    mail = OutgoingMessage.objects.get()
    assert reminder.sent_at is None
    assert (mail.status, mail.attempts) == (MessageStatus.PENDING, 1) and "Error" in mail.last_error
    settings.EMAIL_PORT = working_port
    later = timezone.now() + retry_delay(1)
    assert run(now=later).queued == 0  # claimed once: the outbox retries the same mail
    reminder.refresh_from_db()
    assert reminder.sent_at is not None and reminder.attempts == 2 and reminder.last_error == ""
    run(now=later + hours(1))
    assert len(smtp_server.messages) == 1


def test_a_failed_reminder_of_a_cancelled_appointment_is_dropped(booked, settings, smtp_server, free_port):
    working_port = settings.EMAIL_PORT
    appointment = booked(47)
    dead_smtp(settings, free_port)
    run()
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save()
    settings.EMAIL_PORT = working_port
    run(now=timezone.now() + retry_delay(1))
    assert smtp_server.messages == []
    mail = OutgoingMessage.objects.get()
    assert (mail.status, mail.last_error) == (MessageStatus.DROPPED, "Appointment no longer booked")


def test_an_appointment_cancelled_during_the_run_gets_no_mail(booked, smtp_server, monkeypatch):
    appointment = booked(47)
    real_claim = reminders._claim_new

    def cancel_then_claim(*args):
        Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.CANCELLED)
        return real_claim(*args)

    monkeypatch.setattr(reminders, "_claim_new", cancel_then_claim)
    assert run().queued == 0
    assert smtp_server.messages == [] and not OutgoingMessage.objects.exists()


def test_a_run_that_fails_while_queueing_leaves_no_claim_behind(booked, smtp_server, monkeypatch):
    """Claim and mail commit together: a failure between them leaves neither, and the next run sends it."""
    booked(47)

    def broken_enqueue(*args, **kwargs):
        raise RuntimeError("the run died")

    monkeypatch.setattr(reminders, "enqueue_email", broken_enqueue)
    with pytest.raises(RuntimeError):
        run()
    assert not Reminder.objects.exists()
    monkeypatch.undo()
    run()
    assert len(smtp_server.messages) == 1 and Reminder.objects.get().sent_at is not None


def test_command_reports_what_it_did(booked, smtp_server, capsys):
    booked(47)
    call_command("send_reminders")
    assert "queued 1 reminder(s); sent 1 email(s)" in capsys.readouterr().out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_reminder_once(booked, smtp_server, monkeypatch):
    appointments = [booked(47 - i * 0.1) for i in range(5)]
    # Both runs finish their scan before either claims: the unique constraint must decide.
    both_scanned = threading.Barrier(2, timeout=30)
    waited = set()
    real_claim = reminders._claim_new

    def claim_after_both_scanned(*args):
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            both_scanned.wait()
        return real_claim(*args)

    monkeypatch.setattr(reminders, "_claim_new", claim_after_both_scanned)
    results, errors = [], []

    def run():
        try:
            results.append(reminders.queue_due_reminders())
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
    assert sum(r.queued for r in results) == 5
    dispatch_outbox()
    assert len(smtp_server.messages) == 5
    assert sorted(subject(m) for m in smtp_server.messages) == sorted(
        f"Reminder: IV infusion on {patient_texts.local_time_text(a.starts_at, LA)}" for a in appointments
    )
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 5
