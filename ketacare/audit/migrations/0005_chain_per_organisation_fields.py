"""One audit chain per organisation, each entry signed (docs/security.md): `sequence` counts within
its chain (no longer unique across the table) and entries get the key id and HMAC signature.
Migration 0006 re-chains the stored entries; 0007 adds the per-chain unique sequence."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_one_append_only_guard")]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="sequence",
            field=models.BigIntegerField(help_text="Position in its organisation's chain, from 1"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="signature",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
    ]
