"""Upgrading a database whose trail is one global chain (before migration 0005): the entries are
split into one chain per organisation, re-hashed and signed, and the upgraded trail verifies."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from ketacare.audit import appending
from ketacare.audit.actions import record_event
from ketacare.audit.chains import verify_audit
from ketacare.audit.domain.chain import GENESIS_HASH, entry_hash
from ketacare.audit.models import AuditAction, AuditEntry, hashed_content

BEFORE = [("audit", "0004_one_append_only_guard")]
AFTER = [("audit", "0008_chain_head_per_chain")]


@pytest.mark.django_db(transaction=True)
def test_a_single_global_chain_becomes_one_signed_chain_per_organisation(org, other_org, migrate_to):
    old_apps = migrate_to(BEFORE)
    try:
        OldEntry = old_apps.get_model("audit", "AuditEntry")
        previous = GENESIS_HASH
        owners = [org.pk, other_org.pk, None, org.pk, other_org.pk, org.pk]
        for sequence, organisation_id in enumerate(owners, start=1):
            entry = OldEntry(
                sequence=sequence,
                occurred_at=dt.datetime(2026, 1, 1, 12, sequence, tzinfo=dt.UTC),
                actor_username="",
                organisation_id=organisation_id,
                action="view",
                object_type="test",
                object_id=str(sequence),
                detail={"n": sequence},
                previous_hash=previous,
            )
            entry.entry_hash = entry_hash(hashed_content(entry), previous)
            entry.save()
            previous = entry.entry_hash
    finally:
        migrate_to(AFTER)
    chains = {
        organisation_id: list(
            AuditEntry.objects.filter(organisation_id=organisation_id)
            .order_by("sequence")
            .values_list("object_id", "sequence")
        )
        for organisation_id in (org.pk, other_org.pk)
    }
    assert chains == {org.pk: [("1", 1), ("4", 2), ("6", 3)], other_org.pk: [("2", 1), ("5", 2)]}
    assert list(AuditEntry.objects.filter(organisation__isnull=True).values_list("object_id", "sequence")) == [("3", 1)]
    assert all(report.ok for _, report in verify_audit())
    assert {entry.key_id for entry in AuditEntry.objects.all()} == {"test"}
    # The upgraded chains have no head rows yet (migration 0008): the next append continues each chain.
    appending._last_known_heads.clear()
    assert record_event(None, AuditAction.SECURITY, organisation=org, object_type="test").sequence == 4
    assert record_event(None, AuditAction.SECURITY, object_type="test").sequence == 2
    assert all(report.ok for _, report in verify_audit())
    with pytest.raises(DatabaseError, match="append-only"):  # the guard is back after the table rebuilds
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry")
