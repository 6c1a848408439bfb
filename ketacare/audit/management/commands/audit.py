from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError

from ketacare.audit.domain.chain import ChainEntry, verify_chain
from ketacare.audit.models import AuditEntry

BATCH_SIZE = 2000


def entries_in_sequence() -> Iterator[ChainEntry]:
    # Keyset pages rather than a server-side cursor: verification may stop
    # early, and nothing is left open on the connection when it does.
    last_sequence = 0
    while True:
        batch = list(AuditEntry.objects.filter(sequence__gt=last_sequence).order_by("sequence")[:BATCH_SIZE])
        if not batch:
            return
        yield from (entry.as_chain_entry() for entry in batch)
        last_sequence = batch[-1].sequence


class Command(BaseCommand):
    help = "Audit trail tools. `audit verify` checks the hash chain end to end."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Walk the hash chain; exit 1 at the first broken entry")

    def handle(self, *args, subcommand: str, **options):
        report = verify_chain(entries_in_sequence())
        if report.ok:
            self.stdout.write(f"audit chain intact: {report.checked} entries checked")
            return
        self.stderr.write(f"{report.checked} entries before it are intact")
        raise CommandError(f"audit chain broken: {report.problem.message}", returncode=1)
