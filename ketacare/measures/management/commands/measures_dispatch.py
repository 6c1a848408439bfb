from django.core.management.base import BaseCommand

from ketacare.measures.actions import escalate_overdue_alerts, send_outgoing_emails


class Command(BaseCommand):
    help = (
        "One pass of the measures outbox: escalate safety alerts left open past the clinic's threshold "
        "to its clinic admins (once each), then send unsent mail, counting attempts. Run it every minute "
        "(cron or a systemd timer); concurrent runs are safe."
    )

    def handle(self, *args, **options):
        escalated = escalate_overdue_alerts()
        sent, failed = send_outgoing_emails()
        self.stdout.write(f"escalated {escalated} alert(s); sent {sent} email(s), {failed} failed")
