from django.apps import AppConfig


class ConsentsConfig(AppConfig):
    name = "ketacare.consents"
    label = "consents"
    verbose_name = "Informed consent"

    def ready(self) -> None:
        from ketacare.consents.guard import GUARDED_TABLES
        from ketacare.consents.selectors import plan_consent_problem, session_consent_problems
        from ketacare.consents.views import consents_section
        from ketacare.lib.append_only import register
        from ketacare.patients.hooks import register_chart_section
        from ketacare.protocols.prerequisites import register_plan_prerequisite
        from ketacare.treatments.start_checks import register_start_check

        for table in GUARDED_TABLES:
            register(table)
        # Issue 16.3: consent is a gate, not a note. A plan is not created or started, and a session
        # not dosed, without a valid signed consent covering its route (esketamine: and the REMS enrollment).
        register_plan_prerequisite("consent", plan_consent_problem)
        register_start_check("consent", session_consent_problems)
        register_chart_section(consents_section)  # issue 16.2: staff see each patient's consents on the chart
