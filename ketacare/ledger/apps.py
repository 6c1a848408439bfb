from django.apps import AppConfig

from ketacare.ledger.guard import LEDGER_ENTRIES
from ketacare.lib.append_only import register


class LedgerConfig(AppConfig):
    name = "ketacare.ledger"
    label = "ledger"
    verbose_name = "Controlled-substance ledger"

    def ready(self) -> None:
        register(LEDGER_ENTRIES)  # `ketacare flush` lifts its append-only guard
