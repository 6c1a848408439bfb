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
        from ketacare.measures.hooks import outcome_inputs_changed, register_patient_section
        from ketacare.reports.actions import refresh_on_outcome_inputs_changed
        from ketacare.reports.views.outcomes import trends_section

        outcome_inputs_changed.connect(refresh_on_outcome_inputs_changed, dispatch_uid="reports.outcome_summaries")
        register_patient_section(trends_section)
