from django.core.management.base import BaseCommand

from ketacare.lib.commands import repeat_every
from ketacare.outbox.actions import dispatch_outbox


class Command(BaseCommand):
    help = (
        "The outbox of every outbound email. `outbox dispatch` sends what is due, retrying failures with "
        "exponential backoff; run it every minute (cron or a systemd timer), or keep one running with "
        "--every SECONDS. Concurrent runs never send a message twice."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        dispatch = sub.add_parser("dispatch", help="Send due mail once (or every N seconds with --every)")
        dispatch.add_argument("--every", type=int, default=0, metavar="SECONDS", help="repeat until stopped")

    def handle(self, *args, subcommand: str, every: int = 0, **options):
        if every <= 0:
            self.stdout.write(str(dispatch_outbox()))
            return
        repeat_every(every, dispatch_outbox, self._report)

    def _report(self, result) -> None:
        if result.sent or result.retrying or result.failed or result.dropped:
            self.stdout.write(str(result))
            self.stdout.flush()
