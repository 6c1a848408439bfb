"""`ketacare flush` empties the audit trail through its append-only guard and puts the guard back."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction, AuditEntry


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_trail_and_keeps_the_guard(staff, patient):
    record_event(staff["nurse"], AuditAction.VIEW, patient, patient=patient)
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == 0

    record_event(None, AuditAction.SECURITY, object_type="test", object_id="after-flush")
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry")
    assert AuditEntry.objects.count() == 1
