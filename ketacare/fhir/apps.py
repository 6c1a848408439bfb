from django.apps import AppConfig


class FhirConfig(AppConfig):
    """The FHIR R4 interface: REST read and search at /fhir/, exports and imports."""

    name = "ketacare.fhir"
    label = "fhir"

    def ready(self):
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
            sessions,
        )
