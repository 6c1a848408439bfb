from django.apps import AppConfig


class FhirConfig(AppConfig):
    """The FHIR R4 interface: REST read and search at /fhir/, exports and imports."""

    name = "ketacare.fhir"
    label = "fhir"

    def ready(self):
        from ketacare.fhir.imports.chart_section import imported_record_section

        # Each mapper module registers its resource types in the registry.
        from ketacare.fhir.mappers import (  # noqa: F401
            care,
            clinical,
            documents,
            groups,
            observations,
            people,
            questionnaires,
            records,
            schedules,
            sessions,
        )
        from ketacare.patients.hooks import register_chart_section

        register_chart_section(imported_record_section)  # where an imported patient's record came from

        # Cross-origin requests from registered SMART apps (django-cors-headers' signal).
        from ketacare.fhir.smart import cors  # noqa: F401
        from ketacare.fhir.smart.housekeeping import remove_expired_authorizations
        from ketacare.lib.housekeeping import register_housekeeping

        register_housekeeping(remove_expired_authorizations)
