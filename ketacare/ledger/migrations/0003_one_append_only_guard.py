"""The ledger guard becomes the shared one (ketacare/lib/append_only.py), which refuses TRUNCATE too.

A database migrated before this has, on PostgreSQL, one row trigger `ledger_entry_no_change`
refusing UPDATE and DELETE and nothing against TRUNCATE: it is replaced by the shared triggers. On
SQLite and on a new database the triggers are already the shared ones and nothing changes.
"""

from django.db import migrations

from ketacare.ledger.guard import LEDGER_ENTRIES
from ketacare.lib.append_only import install_guard

EARLIER_POSTGRESQL_TRIGGER = "ledger_entry_no_change"


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS {EARLIER_POSTGRESQL_TRIGGER} ON {LEDGER_ENTRIES.table};")
    install_guard(connection, LEDGER_ENTRIES)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_append_only_triggers")]
    # Backwards nothing changes: 0002 now installs this same guard, and its reverse removes it.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
