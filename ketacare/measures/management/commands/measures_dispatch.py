from django.core.management.base import BaseCommand

from ketacare.measures.actions import escalate_overdue_alerts
from ketacare.outbox.actions import dispatch_outbox


class Command(BaseCommand):
    help = (
        "Escalate safety alerts left open past the clinic's threshold to its clinic admins (once each, "
        "queued in the outbox), then send the outbox (all mail, as `ketacare outbox dispatch` does). Run it "
        "every minute (cron or a systemd timer); concurrent runs are safe."
    )

    def handle(self, *args, **options):
        escalated = escalate_overdue_alerts()
        self.stdout.write(f"escalated {escalated} alert(s); {dispatch_outbox()}")
