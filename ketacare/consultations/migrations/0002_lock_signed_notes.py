"""The database half of the lock (consultations/guard.py): addenda are append-only, and a signed
note refuses a change of what was signed."""

from django.db import migrations

from ketacare.consultations.guard import CONSULTATION_ADDENDA, SIGNED_NOTES
from ketacare.lib.append_only import install_guard, remove_guard


def forwards(apps, schema_editor):
    install_guard(schema_editor.connection, CONSULTATION_ADDENDA)
    SIGNED_NOTES.install(schema_editor.connection)


def backwards(apps, schema_editor):
    SIGNED_NOTES.remove(schema_editor.connection)
    remove_guard(schema_editor.connection, CONSULTATION_ADDENDA)


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_consultation_notes")]

    operations = [migrations.RunPython(forwards, backwards)]
