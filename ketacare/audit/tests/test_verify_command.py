import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from ketacare.audit.actions import record_event
from ketacare.audit.guard import AUDIT_ENTRIES
from ketacare.audit.models import AppendOnlyError, AuditAction, AuditEntry
from ketacare.lib.append_only import remove_guard


def _disable_guard():
    """Drop the append-only triggers, as an attacker with owner rights could."""
    remove_guard(connection, AUDIT_ENTRIES)


@pytest.fixture
def trail(staff, patient):
    nurse = staff["nurse"]
    return [record_event(nurse, AuditAction.VIEW, patient, patient=patient) for _ in range(4)]


@pytest.mark.django_db(transaction=True)
def test_verify_counts_an_intact_chain(trail, capsys):
    call_command("audit", "verify")
    assert f"{AuditEntry.objects.count()} entries checked" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_verify_names_an_entry_altered_directly_in_the_database(trail):
    target = trail[2]
    _disable_guard()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_id = %s WHERE id = %s", ["tampered", target.pk])
    with pytest.raises(CommandError, match=f"entry #{target.sequence} was altered") as info:
        call_command("audit", "verify")
    assert info.value.returncode == 1


@pytest.mark.django_db(transaction=True)
def test_verify_names_a_deleted_entry(trail):
    target = trail[1]
    _disable_guard()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [target.pk])
    with pytest.raises(CommandError, match=f"entry #{target.sequence} is missing"):
        call_command("audit", "verify")


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_updates_and_deletes(trail):
    with pytest.raises(Exception, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditentry SET action = 'view'")
    with pytest.raises(Exception, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        trail[0].save()
    assert AuditEntry.objects.count() == len(trail)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_postgresql_refuses_truncate(trail):
    with pytest.raises(Exception, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            # The rows were inserted in this test's transaction: their deferred foreign-key checks must
            # run first, or PostgreSQL refuses the TRUNCATE for pending trigger events before asking ours.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE audit_auditentry CASCADE")
    assert AuditEntry.objects.count() == len(trail)
