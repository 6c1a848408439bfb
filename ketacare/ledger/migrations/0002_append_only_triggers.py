from django.db import migrations

from ketacare.ledger.guard import LEDGER_ENTRIES
from ketacare.lib.append_only import install_guard, remove_guard


def forwards(apps, schema_editor):
    install_guard(schema_editor.connection, LEDGER_ENTRIES)


def backwards(apps, schema_editor):
    remove_guard(schema_editor.connection, LEDGER_ENTRIES)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
