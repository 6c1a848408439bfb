import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clinics', '0002_organisation_demo_seed'),
        ('protocols', '0003_maintenancedecision'),
    ]

    operations = [
        migrations.AddField(
            model_name='treatmentplan',
            name='prerequisites_overridden',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='treatmentplan',
            name='prerequisites_override_reason',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='plannedsession',
            name='completed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name='ProtocolSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('prescriber_may_override_plan_prerequisites', models.BooleanField(default=False, help_text='A prescriber may create or start a plan with a missing prerequisite, giving a reason.')),
                ('organisation', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='protocol_settings', to='clinics.organisation')),
            ],
            options={
                'verbose_name_plural': 'protocol settings',
            },
        ),
    ]
