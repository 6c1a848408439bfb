"""The "Verify chain" page runs the same check as `ketacare audit verify`."""

import pytest
from django.db import connection

from ketacare.audit.guard import AUDIT_ENTRIES
from ketacare.audit.models import AuditEntry
from ketacare.lib.append_only import remove_guard


def test_an_intact_chain_is_reported_with_its_length(client, admin, audit_trail, signed_in):
    signed_in(admin)
    page = client.get("/audit/verify/").content.decode()
    assert f"intact: {AuditEntry.objects.count()} entries" in page


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
