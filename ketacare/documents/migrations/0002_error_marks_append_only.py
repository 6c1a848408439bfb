from django.db import migrations

from ketacare.documents.guard import DOCUMENT_ERROR_MARKS
from ketacare.lib.append_only import install_guard, remove_guard


def forwards(apps, schema_editor):
    install_guard(schema_editor.connection, DOCUMENT_ERROR_MARKS)


def backwards(apps, schema_editor):
    remove_guard(schema_editor.connection, DOCUMENT_ERROR_MARKS)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_patient_documents")]
    operations = [migrations.RunPython(forwards, backwards)]
