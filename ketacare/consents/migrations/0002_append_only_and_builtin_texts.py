from django.db import migrations

from ketacare.consents.builtins import seed_consent_templates
from ketacare.consents.guard import GUARDED_TABLES
from ketacare.lib.append_only import install_guard, remove_guard


def install_guards(apps, schema_editor):
    for table in GUARDED_TABLES:
        install_guard(schema_editor.connection, table)


def remove_guards(apps, schema_editor):
    for table in GUARDED_TABLES:
        remove_guard(schema_editor.connection, table)


def seed(apps, schema_editor):
    seed_consent_templates(apps.get_model("consents", "ConsentTemplate"))


def unseed(apps, schema_editor):
    apps.get_model("consents", "ConsentTemplate").objects.filter(organisation__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("consents", "0001_initial")]
    operations = [
        migrations.RunPython(install_guards, remove_guards),
        migrations.RunPython(seed, unseed),
    ]
