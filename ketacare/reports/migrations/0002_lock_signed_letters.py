"""A signed referral letter refuses a change of what was signed, in the database too
(consultations/guard.py's SignedRowLock)."""

from django.db import migrations

from ketacare.reports.letters.guard import SIGNED_LETTERS


def forwards(apps, schema_editor):
    SIGNED_LETTERS.install(schema_editor.connection)


def backwards(apps, schema_editor):
    SIGNED_LETTERS.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_referral_letters"), ("consultations", "0002_lock_signed_notes")]

    operations = [migrations.RunPython(forwards, backwards)]
