from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Reports read across the clinical apps below them: outcome summaries, trends and the
    dashboard, the progress-summary PDF, the organisation's audit trail."""

    name = "ketacare.reports"
    label = "reports"
    verbose_name = "Reports: outcomes, progress summaries, the audit trail"

    def ready(self) -> None:
        # Measures and protocols stand below reports: they announce changes through measures'
        # hooks, and reports plugs in here, so neither imports reports.
        from django.db.models.signals import post_save, pre_save

        from ketacare.measures.hooks import outcome_inputs_changed, register_patient_section
        from ketacare.patients.models import Patient
        from ketacare.reports.actions import (
            recount_on_patient_saved,
            refresh_on_outcome_inputs_changed,
            remember_counted_patient_fields,
        )
        from ketacare.reports.views.outcomes import trends_section

        outcome_inputs_changed.connect(refresh_on_outcome_inputs_changed, dispatch_uid="reports.outcome_summaries")
        # The dashboard's counts are grouped by home location, and a merge moves responses and plans:
        # patients (floor 5) knows nothing of reports, so reports listens to the record's saves.
        pre_save.connect(remember_counted_patient_fields, sender=Patient, dispatch_uid="reports.counts_before")
        post_save.connect(recount_on_patient_saved, sender=Patient, dispatch_uid="reports.counts_after")
        register_patient_section(trends_section)
        from ketacare.reports.letters.printed import register as register_printed_documents

        # Issue 17: signed referral letters for FHIR and the clinic's export.
        register_printed_documents()
