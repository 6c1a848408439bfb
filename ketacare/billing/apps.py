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
        self._register_insurance()
        from ketacare.billing.views.accounts import billing_section
        from ketacare.patients.hooks import register_chart_section

        # Issue 18.3: the balance and the prepaid sessions left, on the chart of those who see money.
        register_chart_section(billing_section)
        from ketacare.billing.receivers import connect as connect_charge_receivers

        # Issue 18.2: signed sessions, consultations and therapy notes make their charges.
        connect_charge_receivers()
        from ketacare.billing.printed import register as register_printed_documents

        # Issue 17: invoices, receipts, statements and superbills for FHIR and the clinic's export.
        register_printed_documents()

    @staticmethod
    def _register_insurance() -> None:
        from ketacare.billing.selectors.insurance import esketamine_authorization_problems
        from ketacare.billing.views.insurance import insurance_section
        from ketacare.patients.hooks import register_chart_section
        from ketacare.treatments.checkin_notices import register_checkin_notice

        # Issue 18.6: an insured esketamine session warns at check-in when its prior authorisation is
        # missing, used up or expired (a warning, not a start check: it never stops the dose).
        register_checkin_notice("prior_authorization", esketamine_authorization_problems)
        register_chart_section(insurance_section)
