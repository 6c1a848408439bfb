from django.core.management.commands import flush
from django.db import connections

from ketacare.audit import guard as audit_guard
from ketacare.ledger import guard as ledger_guard

# Append-only tables whose guards are lifted for a flush and put back after it.
GUARDS = (audit_guard, ledger_guard)


class Command(flush.Command):
    help = flush.Command.help + (
        " The audit trail and the controlled-substance ledger are emptied too (their append-only guards"
        " are lifted for the flush)."
    )

    def handle(self, **options):
        connection = connections[options["database"]]
        for guard in GUARDS:
            guard.remove_guard(connection)
        try:
            return super().handle(**options)
        finally:
            for guard in GUARDS:
                guard.install_guard(connection)
