"""Re-chain the stored audit entries: one chain per organisation (and one for entries without
one), numbered from 1 in their old order, each hash recomputed and signed with the current key
(settings.CHAIN_KEYRING), so that an upgraded database verifies.

The old single chain is checked first: a database whose trail was already tampered with is not
re-signed (that would bless the tampering); the migration stops and names the entry.
"""

from django.conf import settings
from django.db import migrations

from ketacare.audit.chains import AUDIT_PURPOSE
from ketacare.audit.domain.chain import GENESIS_HASH, entry_hash, sign_entry
from ketacare.audit.guard import AUDIT_ENTRIES
from ketacare.audit.models import hashed_content
from ketacare.lib.append_only import install_guard, remove_guard

BATCH_SIZE = 2000


def _in_old_order(queryset):
    last = 0
    while True:
        batch = list(queryset.filter(sequence__gt=last).order_by("sequence")[:BATCH_SIZE])
        if not batch:
            return
        yield batch
        last = batch[-1].sequence


def _check_old_chain(AuditEntry):
    previous = GENESIS_HASH
    for batch in _in_old_order(AuditEntry.objects.all()):
        for entry in batch:
            if entry.previous_hash != previous or entry_hash(hashed_content(entry), previous) != entry.entry_hash:
                raise RuntimeError(
                    f"audit entry #{entry.sequence} does not verify: the trail was changed before this upgrade; "
                    "keep a copy of the database and investigate before migrating"
                )
            previous = entry.entry_hash


def rechain(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    if not AuditEntry.objects.exists():
        return
    _check_old_chain(AuditEntry)
    connection = schema_editor.connection
    remove_guard(connection, AUDIT_ENTRIES)
    organisation_ids = set(AuditEntry.objects.values_list("organisation_id", flat=True).distinct().order_by())
    # Renumber in the old order; the old sequence is read before any row of the chain is rewritten.
    for organisation_id in organisation_ids:
        chain = (
            AuditEntry.objects.filter(organisation_id=organisation_id)
            if organisation_id is not None
            else AuditEntry.objects.filter(organisation__isnull=True)
        )
        ids_in_order = list(chain.order_by("sequence").values_list("pk", flat=True))
        previous = GENESIS_HASH
        for start in range(0, len(ids_in_order), BATCH_SIZE):
            ids = ids_in_order[start : start + BATCH_SIZE]
            entries = AuditEntry.objects.in_bulk(ids)
            batch = []
            for offset, pk in enumerate(ids):
                entry = entries[pk]
                entry.sequence = start + offset + 1
                entry.previous_hash = previous
                entry.entry_hash = entry_hash(hashed_content(entry), previous)
                entry.key_id, entry.signature = sign_entry(settings.CHAIN_KEYRING, AUDIT_PURPOSE, entry.entry_hash)
                previous = entry.entry_hash
                batch.append(entry)
            AuditEntry.objects.bulk_update(batch, ["sequence", "previous_hash", "entry_hash", "key_id", "signature"])
    install_guard(connection, AUDIT_ENTRIES)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_chain_per_organisation_fields")]
    # Backwards the entries keep their per-organisation chains (a single chain cannot be restored).
    operations = [migrations.RunPython(rechain, migrations.RunPython.noop)]
