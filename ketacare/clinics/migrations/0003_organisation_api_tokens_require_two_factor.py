from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clinics', '0002_organisation_demo_seed'),
    ]

    operations = [
        migrations.AddField(
            model_name='organisation',
            name='api_tokens_require_two_factor',
            field=models.BooleanField(default=False),
        ),
    ]
