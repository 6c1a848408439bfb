import logging
import os
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from ketacare.outbox.actions import dispatch_outbox

logger = logging.getLogger(__name__)


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
        parent = os.getppid()
        try:
            if every <= 0:
                self.stdout.write(str(dispatch_outbox()))
                return
            while True:
                try:
                    result = dispatch_outbox()
                except Exception:  # the database restarting must not end the loop: next pass
                    logger.exception("Outbox dispatch pass failed")
                else:
                    if result.sent or result.retrying or result.failed or result.dropped:
                        self.stdout.write(str(result))
                        self.stdout.flush()
                close_old_connections()
                time.sleep(every)
                if os.getppid() != parent:  # started by `serve` in demo mode, which has stopped
                    return
        except KeyboardInterrupt:
            return
