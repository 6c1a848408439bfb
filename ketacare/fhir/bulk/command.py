"""`ketacare fhir bulk-worker [--once] [--every SECONDS]`: run queued Bulk Data exports and remove expired
files. Run it from cron or systemd (or keep one running with --every, as `serve` does in demo mode);
several workers may run at once (bulk/worker.py says how they share the jobs)."""

from ketacare.fhir.bulk.worker import run_pass
from ketacare.lib.commands import repeat_every

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

    def report(result) -> None:
        if result.exported or result.failed or result.removed:
            command.stdout.write(str(result))
            command.stdout.flush()

    repeat_every(options["every"], run_pass, report)
