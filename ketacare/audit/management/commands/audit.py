"""`ketacare audit verify [--checkpoint PATH]` and `ketacare audit checkpoint [--to PATH]`.

verify: walks every organisation's audit chain (hashes, links, signatures), against the latest
audit checkpoint in PATH (default: the setting KETACARE_CHAIN_CHECKPOINT_PATH, if set); exit 1
naming each broken chain's first problem. checkpoint: verifies, then appends the signed heads of
all chains to PATH (docs/security.md). Exit 2 when a checkpoint file cannot be used.
"""

from django.core.management.base import BaseCommand, CommandError

from ketacare.audit.chains import chain_label, verify_audit
from ketacare.audit.checkpoint_command import add_checkpoint_arguments, chosen_checkpoint, write_heads


def _chains(count: int) -> str:
    return f"{count} chain" if count == 1 else f"{count} chains"


class Command(BaseCommand):
    help = "Audit trail tools: `audit verify` checks every chain; `audit checkpoint` records their signed heads."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="Walk every chain; exit 1 naming each broken chain's first problem")
        checkpoint = sub.add_parser("checkpoint", help="Verify, then append the chains' signed heads to a file")
        add_checkpoint_arguments(verify, checkpoint)

    def handle(self, *args, subcommand: str, **options):
        checkpoint = chosen_checkpoint("audit", subcommand, options)
        results = verify_audit(checkpoint)
        broken = [(organisation_id, report) for organisation_id, report in results if not report.ok]
        if broken:
            problems = [
                f"{chain_label(organisation_id)}: {report.problem.message}" for organisation_id, report in broken
            ]
            for problem in problems[1:]:
                self.stderr.write(f"audit chain broken: {problem}")
            raise CommandError(f"audit chain broken: {problems[0]}", returncode=1)
        checked = sum(report.checked for _, report in results)
        against = f", against the checkpoint of {checkpoint.label}" if checkpoint else ""
        if subcommand == "verify":
            self.stdout.write(f"audit chain intact: {checked} entries checked in {_chains(len(results))}{against}")
            return
        target = write_heads("audit", results, options)
        self.stdout.write(f"audit checkpoint of {_chains(len(results))} ({checked} entries) appended to {target}")
