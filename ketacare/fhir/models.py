"""The fhir app's models live with their parts; Django finds them through this module."""

from ketacare.fhir.backend.models import BackendClient, UsedAssertion  # noqa: F401
from ketacare.fhir.bulk.models import ExportJob  # noqa: F401
from ketacare.fhir.imports.models import ImportedResource, ImportRun  # noqa: F401
from ketacare.fhir.smart.models import SmartApp, SmartLaunch  # noqa: F401
