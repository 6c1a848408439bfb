from django.core.management.commands import flush
from django.db import connections

from ketacare.audit.guard import install_guard, remove_guard


class Command(flush.Command):
    help = flush.Command.help + " The audit trail is emptied too (its append-only guard is lifted for the flush)."

    def handle(self, **options):
        connection = connections[options["database"]]
        remove_guard(connection)
        try:
            return super().handle(**options)
        finally:
            install_guard(connection)
