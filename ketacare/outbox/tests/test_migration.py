"""Moving measures' OutgoingEmail into the outbox keeps an existing database's mail, unsent mail included."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("measures", "0002_outcome_summary"), ("outbox", "0001_outgoing_messages")]
AFTER = [("measures", "0003_move_outgoing_email_to_outbox")]


@pytest.mark.django_db(transaction=True)
def test_unsent_and_sent_alert_mail_is_copied_then_the_old_table_removed(org, migrate_to):
    old = migrate_to(BEFORE)
    OutgoingEmail = old.get_model("measures", "OutgoingEmail")
    OutgoingEmail.objects.create(
        organisation_id=org.pk,
        to="p@example.org",
        subject="Urgent: x",
        body="b",
        attempts=3,
        last_error="SMTPServerDisconnected",
    )
    sent = OutgoingEmail.objects.create(organisation_id=org.pk, to="a@example.org", subject="Escalated: y", body="c")
    OutgoingEmail.objects.filter(pk=sent.pk).update(attempts=1, sent_at=sent.created_at)
    try:
        new = migrate_to(AFTER)
        OutgoingMessage = new.get_model("outbox", "OutgoingMessage")
        rows = set(OutgoingMessage.objects.values_list("to", "kind", "status", "attempts", "last_error"))
        assert rows == {
            ("p@example.org", "safety_alert", "pending", 3, "SMTPServerDisconnected"),
            ("a@example.org", "alert_escalation", "sent", 1, ""),
        }
        assert "measures_outgoingemail" not in connection.introspection.table_names()
    finally:
        migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
