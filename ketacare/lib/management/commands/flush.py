"""`ketacare flush`: Django's flush, which empties the append-only tables too.

Every table its app registered with ketacare.lib.append_only has its guard lifted for the flush
only, in the flush's transaction. Transactional tests end with this flush.
"""

from typing import Any

from django.core.management.commands import flush

from ketacare.lib.append_only import guards_lifted


class Command(flush.Command):
    help = flush.Command.help + " Append-only tables are emptied too: their guard is lifted for the flush only."

    def handle(self, **options: Any) -> None:
        with guards_lifted(options["database"]):
            super().handle(**options)
