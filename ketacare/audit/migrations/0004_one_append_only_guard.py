"""The audit guard becomes the shared one (ketacare/lib/append_only.py).

A database migrated before this has, on PostgreSQL, one row trigger `audit_entry_no_update` refusing
UPDATE and DELETE; installing the shared guard replaces it with one trigger per statement. On SQLite
and on a new database the triggers are already the shared ones and nothing changes.
"""

from django.db import migrations

from ketacare.audit.guard import AUDIT_ENTRIES
from ketacare.lib.append_only import install_guard


def forwards(apps, schema_editor):
    install_guard(schema_editor.connection, AUDIT_ENTRIES)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only_triggers")]
    # Backwards nothing changes: the guard refuses what the earlier one did, and 0003 removes it.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
