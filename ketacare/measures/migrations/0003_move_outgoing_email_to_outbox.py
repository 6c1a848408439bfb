"""Measures' OutgoingEmail becomes the shared outbox (ketacare/outbox): copy every row, unsent mail
included, so an existing database keeps what it still has to send; then remove the old table."""

from django.db import migrations

ESCALATION_SUBJECT_START = "Escalated"


def copy_to_outbox(apps, schema_editor):
    OutgoingEmail = apps.get_model("measures", "OutgoingEmail")
    OutgoingMessage = apps.get_model("outbox", "OutgoingMessage")
    for email in OutgoingEmail.objects.order_by("id").iterator():
        escalation = email.subject.startswith(ESCALATION_SUBJECT_START)
        OutgoingMessage.objects.create(
            organisation_id=email.organisation_id,
            kind="alert_escalation" if escalation else "safety_alert",
            reference=f"measures.alert:{email.alert_id}" if email.alert_id else "",
            to=email.to,
            subject=email.subject,
            body=email.body,
            created_at=email.created_at,
            status="sent" if email.sent_at else "pending",
            attempts=email.attempts,
            next_attempt_at=email.created_at,
            sent_at=email.sent_at,
            last_error=email.last_error,
        )


def copy_back(apps, schema_editor):
    OutgoingEmail = apps.get_model("measures", "OutgoingEmail")
    OutgoingMessage = apps.get_model("outbox", "OutgoingMessage")
    for message in OutgoingMessage.objects.filter(kind__in=["safety_alert", "alert_escalation"]).order_by("id"):
        alert_id = message.reference.partition(":")[2]
        OutgoingEmail.objects.create(
            organisation_id=message.organisation_id,
            alert_id=int(alert_id) if alert_id.isdigit() else None,
            to=message.to,
            subject=message.subject,
            body=message.body,
            attempts=message.attempts,
            last_error=message.last_error,
            sent_at=message.sent_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0002_outcome_summary"),
        ("outbox", "0001_outgoing_messages"),
    ]

    operations = [
        migrations.RunPython(copy_to_outbox, copy_back),
        migrations.DeleteModel(name="OutgoingEmail"),
    ]
