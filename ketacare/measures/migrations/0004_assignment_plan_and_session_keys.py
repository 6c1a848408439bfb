from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('measures', '0003_move_outgoing_email_to_outbox'),
    ]

    operations = [
        migrations.AddField(
            model_name='questionnaireassignment',
            name='plan_key',
            field=models.CharField(blank=True, db_index=True, max_length=60),
        ),
        migrations.AddField(
            model_name='questionnaireassignment',
            name='session_key',
            field=models.CharField(blank=True, db_index=True, max_length=60),
        ),
    ]
