from django.apps import AppConfig

from ketacare.audit.guard import AUDIT_ENTRIES
from ketacare.lib.append_only import register


class AuditConfig(AppConfig):
    name = "ketacare.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        register(AUDIT_ENTRIES)  # `ketacare flush` lifts its append-only guard
