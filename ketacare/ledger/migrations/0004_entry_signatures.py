"""Ledger entries are signed (docs/security.md): the key id and an HMAC of the entry's hash under a key
the database does not hold. The stored entries are checked and then signed with the current key
(settings.CHAIN_KEYRING), so that an upgraded database verifies; a chain that does not verify is
not signed (that would bless tampering): the migration stops and names it. On SQLite the added
fields rebuild the table, which drops its triggers: the append-only guard is installed again at the
end in every case."""

from django.conf import settings
from django.db import migrations, models

from ketacare.audit.chains import LEDGER_PURPOSE
from ketacare.audit.domain.chain import GENESIS_HASH, entry_hash, sign_entry
from ketacare.ledger.guard import LEDGER_ENTRIES
from ketacare.ledger.models import LedgerEntry as CurrentLedgerEntry
from ketacare.lib.append_only import install_guard, remove_guard

BATCH_SIZE = 2000


def sign_stored_entries(apps, schema_editor):
    LedgerEntry = apps.get_model("ledger", "LedgerEntry")
    connection = schema_editor.connection
    remove_guard(connection, LEDGER_ENTRIES)
    for organisation_id in LedgerEntry.objects.values_list("organisation_id", flat=True).distinct().order_by():
        previous, last = GENESIS_HASH, 0
        while True:
            batch = list(
                LedgerEntry.objects.filter(organisation_id=organisation_id, sequence__gt=last).order_by("sequence")[
                    :BATCH_SIZE
                ]
            )
            if not batch:
                break
            for entry in batch:
                content = CurrentLedgerEntry.hashed_content(entry)
                if entry.previous_hash != previous or entry_hash(content, previous) != entry.entry_hash:
                    raise RuntimeError(
                        f"ledger entry #{entry.sequence} of organisation {organisation_id} does not verify: the "
                        "ledger was changed before this upgrade; keep a copy of the database and investigate"
                    )
                entry.key_id, entry.signature = sign_entry(settings.CHAIN_KEYRING, LEDGER_PURPOSE, entry.entry_hash)
                previous = entry.entry_hash
            LedgerEntry.objects.bulk_update(batch, ["key_id", "signature"])
            last = batch[-1].sequence
    install_guard(connection, LEDGER_ENTRIES)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_one_append_only_guard")]

    operations = [
        migrations.AddField(
            model_name="ledgerentry",
            name="key_id",
            field=models.CharField(default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="signature",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(sign_stored_entries, migrations.RunPython.noop),
    ]
