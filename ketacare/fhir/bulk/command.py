"""`ketacare fhir bulk-worker [--once] [--every SECONDS]`: run queued Bulk Data exports and remove expired
files. Run it from cron or systemd (or keep one running with --every, as `serve` does in demo mode);
several workers may run at once (bulk/worker.py says how they share the jobs)."""

import logging
import os
import time

from django.db import close_old_connections

from ketacare.fhir.bulk.worker import run_pass

logger = logging.getLogger(__name__)
DEFAULT_EVERY_SECONDS = 10


def add_parser(subcommands, name: str) -> None:
    parser = subcommands.add_parser(name, help="run queued $export jobs and remove expired export files")
    parser.add_argument("--once", action="store_true", help="one pass, then stop (for cron)")
    parser.add_argument(
        "--every",
        type=int,
        default=DEFAULT_EVERY_SECONDS,
        metavar="SECONDS",
        help=f"pause between passes when running on (default {DEFAULT_EVERY_SECONDS})",
    )


def handle(command, options) -> None:
    if options["once"]:
        command.stdout.write(str(run_pass()))
        return
    parent = os.getppid()
    try:
        while True:
            try:
                result = run_pass()
            except Exception:  # the database restarting must not end the loop: next pass
                logger.exception("Bulk export worker pass failed")
            else:
                if result.exported or result.failed or result.removed:
                    command.stdout.write(str(result))
                    command.stdout.flush()
            close_old_connections()
            time.sleep(max(options["every"], 1))
            if os.getppid() != parent:  # started by `serve` in demo mode, which has stopped
                return
    except KeyboardInterrupt:
        return
