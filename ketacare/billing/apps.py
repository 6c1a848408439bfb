from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Money: fee schedule, charges from care, packages, invoices and payments, insurance, claims."""

    name = "ketacare.billing"
    label = "billing"

    def ready(self) -> None:
        from ketacare.billing.guard import GUARDED_TABLES
        from ketacare.lib.append_only import register

        for table in GUARDED_TABLES:
            register(table)
