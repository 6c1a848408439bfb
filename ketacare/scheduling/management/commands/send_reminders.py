from django.core.management.base import BaseCommand

from ketacare.outbox.actions import dispatch_outbox
from ketacare.scheduling.actions.reminders import queue_due_reminders


class Command(BaseCommand):
    help = (
        "One pass of appointment reminders: queue those now due (48 h and 24 h before, per the clinic's "
        "scheduling settings) in the outbox, once each, then send the outbox (as `ketacare outbox dispatch` "
        "does). Run it every 5 to 15 minutes (cron or a systemd timer); concurrent runs never queue a "
        "reminder twice (docs/scheduling-reminders-feeds.md)."
    )

    def handle(self, *args, **options):
        result = queue_due_reminders()
        self.stdout.write(f"queued {result.queued} reminder(s); {dispatch_outbox()}")
