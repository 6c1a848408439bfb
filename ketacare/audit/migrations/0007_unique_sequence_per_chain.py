"""Sequences are unique per chain: per organisation, and among the entries without one.

On SQLite adding a constraint rebuilds the table, which drops its triggers (as the field changes of
0005 did): the append-only guard is installed again."""

from django.db import migrations, models

from ketacare.audit.guard import AUDIT_ENTRIES
from ketacare.lib.append_only import install_guard


def reinstall_guard(apps, schema_editor):
    install_guard(schema_editor.connection, AUDIT_ENTRIES)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_rechain_per_organisation")]

    operations = [
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(organisation__isnull=False),
                fields=("organisation", "sequence"),
                name="audit_entry_unique_org_sequence",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(organisation__isnull=True),
                fields=("sequence",),
                name="audit_entry_unique_unowned_sequence",
            ),
        ),
        migrations.RunPython(reinstall_guard, migrations.RunPython.noop),
    ]
