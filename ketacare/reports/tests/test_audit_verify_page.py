"""The "Verify chain" page runs the same check as `ketacare audit verify`, on the admin's organisation's
chain, against the configured checkpoint when there is one."""

import pytest
from django.core.management import call_command
from django.db import connection

from ketacare.audit.guard import AUDIT_ENTRIES
from ketacare.audit.models import AuditEntry
from ketacare.lib.append_only import remove_guard


def test_an_intact_chain_is_reported_with_its_length(client, admin, audit_trail, signed_in):
    signed_in(admin)
    page = client.get("/audit/verify/").content.decode()
    # Another organisation's entries (audit_trail["elsewhere"]) are its own chain.
    assert f"intact: {AuditEntry.objects.filter(organisation=admin.organisation).count()} entries" in page
    assert "No checkpoint to compare with" in page


@pytest.mark.django_db(transaction=True)
def test_the_first_broken_entry_is_named(client, admin, audit_trail, signed_in):
    signed_in(admin)
    target = audit_trail["late_view"]
    remove_guard(connection, AUDIT_ENTRIES)  # as someone with owner rights on the database could
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_id = %s WHERE id = %s", ["tampered", target.pk])
    page = client.get("/audit/verify/").content.decode()
    assert "intact:" not in page
    assert f"entry #{target.sequence} was altered" in page


@pytest.mark.django_db(transaction=True)
def test_entries_deleted_since_the_configured_checkpoint_are_named(
    client, admin, audit_trail, signed_in, settings, tmp_path
):
    signed_in(admin)
    settings.CHAIN_CHECKPOINT_PATH = str(tmp_path)
    call_command("audit", "checkpoint")
    newest = AuditEntry.objects.filter(organisation=admin.organisation).order_by("-sequence").first()
    remove_guard(connection, AUDIT_ENTRIES)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [newest.pk])
    page = client.get("/audit/verify/").content.decode()
    assert "intact:" not in page
    assert f"entry #{newest.sequence} is missing since the checkpoint of" in page


def test_an_unusable_checkpoint_file_is_reported_without_its_path(
    client, admin, audit_trail, signed_in, settings, tmp_path
):
    signed_in(admin)
    path = tmp_path / "heads.jsonl"
    path.write_text('{"kind": "audit", "taken_at": "2026-12-07T00:00:00+00:00", "chains": []}\n')  # unsigned
    settings.CHAIN_CHECKPOINT_PATH = str(path)
    page = client.get("/audit/verify/").content.decode()
    assert "The configured checkpoint could not be used" in page
    assert str(tmp_path) not in page
