"""The "Verify chain" page runs the same check as `ketacare audit verify`."""

import pytest
from django.db import connection

from ketacare.audit.guard import remove_guard
from ketacare.audit.models import AuditEntry
from ketacare.conftest import sign_in


def test_an_intact_chain_is_reported_with_its_length(client, admin, trail):
    sign_in(client, admin)
    page = client.get("/audit/verify/").content.decode()
    assert f"intact: {AuditEntry.objects.count()} entries" in page


@pytest.mark.django_db(transaction=True)
def test_the_first_broken_entry_is_named(client, admin, trail):
    sign_in(client, admin)
    target = trail["late_view"]
    remove_guard(connection)  # as someone with owner rights on the database could
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_id = %s WHERE id = %s", ["tampered", target.pk])
    page = client.get("/audit/verify/").content.decode()
    assert "intact:" not in page
    assert f"entry #{target.sequence} was altered" in page
