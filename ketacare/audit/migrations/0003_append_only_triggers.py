from django.db import migrations

from ketacare.audit.guard import AUDIT_ENTRIES
from ketacare.lib.append_only import install_guard, remove_guard


def forwards(apps, schema_editor):
    install_guard(schema_editor.connection, AUDIT_ENTRIES)


def backwards(apps, schema_editor):
    remove_guard(schema_editor.connection, AUDIT_ENTRIES)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
