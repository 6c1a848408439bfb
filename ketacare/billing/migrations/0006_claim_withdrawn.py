"""A claim may be withdrawn before the payer receives it: the status "withdrawn" (nine characters, so both
status columns grow), and a claim is corrected once among the corrections not withdrawn.

On SQLite the changed columns and constraint rebuild the tables, which drops the append-only guard of the
status history: it is installed again at the end, and after the rebuild when the migration is reversed."""

from django.db import migrations, models

from ketacare.billing.guard import CLAIM_STATUS_CHANGES
from ketacare.lib.append_only import install_guard

STATUSES = [
    ("draft", "Draft"),
    ("ready", "Ready to send"),
    ("sent", "Sent"),
    ("paid", "Paid"),
    ("denied", "Denied"),
    ("replaced", "Replaced"),
    ("voided", "Voided"),
    ("withdrawn", "Withdrawn"),
]


def reinstall_guard(apps, schema_editor):
    install_guard(schema_editor.connection, CLAIM_STATUS_CHANGES)


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_claim_corrections_invoice_terms")]

    operations = [
        # Reversed last: the reversed field change rebuilds the history table on SQLite too.
        migrations.RunPython(migrations.RunPython.noop, reinstall_guard),
        migrations.RemoveConstraint(model_name="claim", name="claim_corrected_once"),
        migrations.AlterField(
            model_name="claim",
            name="status",
            field=models.CharField(choices=STATUSES, default="draft", max_length=9),
        ),
        migrations.AlterField(
            model_name="claimstatuschange",
            name="status",
            field=models.CharField(choices=STATUSES, max_length=9),
        ),
        migrations.AddConstraint(
            model_name="claim",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "withdrawn"), _negated=True),
                fields=("replaces",),
                name="claim_corrected_once",
            ),
        ),
        migrations.RunPython(reinstall_guard, migrations.RunPython.noop),
    ]
