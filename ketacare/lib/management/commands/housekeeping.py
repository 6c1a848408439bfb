"""`ketacare housekeeping [--every SECONDS]`: remove the rows that pile up and are never read again (expired
sessions, OAuth tokens and grants, SMART launches left without a token; lib/housekeeping.py lists who registers
what). Run it from cron or systemd, or keep one running with --every (`ketacare serve` does in demo mode)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from ketacare.lib.commands import repeat_every
from ketacare.lib.housekeeping import HousekeepingResult, run_housekeeping


class Command(BaseCommand):
    help = (
        "Remove expired sessions, expired OAuth tokens and grants, and SMART launches left without a token; "
        "prints what it removed. Run it hourly (cron or a systemd timer), or keep one running with --every SECONDS."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--every", type=int, default=0, metavar="SECONDS", help="repeat until stopped")

    def handle(self, *args: Any, every: int, **options: Any) -> None:
        if every <= 0:
            self.stdout.write(str(run_housekeeping()))
            return

        def report(result: HousekeepingResult) -> None:
            if result.total:  # a quiet pass prints nothing: the log of a long-running worker stays readable
                self.stdout.write(str(result))
                self.stdout.flush()

        repeat_every(every, run_housekeeping, report)
