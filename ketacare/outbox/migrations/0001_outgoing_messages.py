import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('clinics', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='OutgoingMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('safety_alert', 'Safety alert'), ('alert_escalation', 'Safety alert escalation'), ('questionnaire_link', 'Questionnaire link'), ('inquiry_confirmation', 'Consultation request confirmation'), ('appointment_reminder', 'Appointment reminder')], max_length=40)),
                ('reference', models.CharField(blank=True, max_length=100)),
                ('to', models.EmailField(max_length=254)),
                ('subject', models.CharField(max_length=200)),
                ('body', models.TextField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('status', models.CharField(choices=[('pending', 'Waiting'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed permanently'), ('dropped', 'Not sent (no longer needed)')], default='pending', max_length=10)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('send_before', models.DateTimeField(blank=True, null=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('last_error', models.TextField(blank=True)),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='clinics.organisation')),
            ],
            options={
                'ordering': ['created_at', 'id'],
                'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='outbox_due'), models.Index(fields=['organisation', 'status'], name='outbox_org_status')],
            },
        ),
    ]
