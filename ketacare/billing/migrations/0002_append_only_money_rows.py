from django.db import migrations

from ketacare.billing.guard import GUARDED_TABLES
from ketacare.lib.append_only import install_guard, remove_guard


def install_guards(apps, schema_editor):
    for table in GUARDED_TABLES:
        install_guard(schema_editor.connection, table)


def remove_guards(apps, schema_editor):
    for table in GUARDED_TABLES:
        remove_guard(schema_editor.connection, table)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_billing_tables")]
    operations = [migrations.RunPython(install_guards, remove_guards)]
