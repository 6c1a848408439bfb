from django.core.management.base import BaseCommand

from ketacare.scheduling.actions.reminders import send_due_reminders


class Command(BaseCommand):
    help = (
        "One pass of appointment reminders: send those now due (48 h and 24 h before, per the clinic's "
        "scheduling settings) and retry failed ones. Run it every 5 to 15 minutes (cron or a systemd "
        "timer); concurrent runs never send a reminder twice, and a run that dies mid-send leaves its reminder "
        "to be retried after a lease (docs/scheduling-reminders-feeds.md)."
    )

    def handle(self, *args, **options):
        result = send_due_reminders()
        self.stdout.write(f"sent {result.sent} reminder(s), {result.failed} failed")
