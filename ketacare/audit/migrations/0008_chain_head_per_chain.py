"""One head row per audit chain (audit/appending.py). No rows are written here: a chain's first append
after the upgrade creates its row from the chain's newest stored entry, under the row's lock."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0007_unique_sequence_per_chain"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("chain", models.BigIntegerField(primary_key=True, serialize=False)),
                ("sequence", models.BigIntegerField(help_text="The newest entry's sequence (0: no entry yet)")),
                (
                    "entry_hash",
                    models.CharField(help_text="The newest entry's hash (the genesis hash: none yet)", max_length=64),
                ),
            ],
        ),
    ]
