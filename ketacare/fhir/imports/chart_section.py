"""The chart's "Imported record" section: for a patient who arrived through `ketacare import fhir` or
/clinic/import/, where the record came from (the source system the clinic named, the source's Patient id,
when it was imported), how many resources of each kind came with it, and the identifiers the patient carried
there (an old MRN). Read from the import's source-id map (ImportedResource) in one query; nothing for a
patient who was not imported. Registered in patients.hooks from the fhir app's ready()."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.template.loader import render_to_string

from ketacare.accounts.domain.roles import Permission
from ketacare.fhir.imports.actions import SOURCE_SYSTEM_PREFIX
from ketacare.fhir.imports.models import ImportedResource
from ketacare.lib.fixed_reads import FixedRead


@dataclass
class ImportOrigin:
    source_name: str  # as the clinic named it on import (osmind, old-ehr)
    system: str  # the identifier system the source's ids are kept under
    patient_ids: list[str] = field(default_factory=list)  # the source's Patient ids for this person
    imported_at: datetime | None = None  # the first import
    updated_at: datetime | None = None  # the latest import that changed something
    counts: Counter = field(default_factory=Counter)  # resource type → resources imported

    @property
    def kinds(self) -> list[tuple[str, int]]:
        """(resource type, count), most first (a template cannot call Counter.most_common: it is a dict)."""
        return self.counts.most_common()


@dataclass
class ImportedRecord:
    origins: list[ImportOrigin]
    identifiers: list[tuple[str, str]]  # (system, value) the patient carried in the source


# Asked on every chart: its SQL is built once per connection (lib/fixed_reads.py, issue 19).
_IMPORTED_OF_PATIENT = FixedRead(
    ImportedResource,
    lambda patient_id: (
        ImportedResource.objects.filter(patient_id=patient_id)
        .order_by("imported_at", "id")
        .values_list("source_system", "resource_type", "source_id", "imported_at", "updated_at")
    ),
    patient_id=int,
)


def imported_record(patient) -> ImportedRecord | None:
    """What the import's map holds about this patient; None when they were never imported. The caller has
    checked that the reader may see the chart."""
    origins: dict[str, ImportOrigin] = {}
    identifiers: list[tuple[str, str]] = []
    for system, resource_type, source_id, imported_at, updated_at in _IMPORTED_OF_PATIENT.rows(patient_id=patient.pk):
        if not system.startswith(SOURCE_SYSTEM_PREFIX):  # an identifier the patient carried (their old MRN)
            identifiers.append((system, source_id))
            continue
        origin = origins.setdefault(system, ImportOrigin(system.removeprefix(SOURCE_SYSTEM_PREFIX), system))
        origin.imported_at = min(filter(None, (origin.imported_at, imported_at)))
        origin.updated_at = max(filter(None, (origin.updated_at, updated_at)))
        if resource_type == "Patient":
            origin.patient_ids.append(source_id)
        else:
            origin.counts[resource_type] += 1
    if not origins:
        return None
    return ImportedRecord(list(origins.values()), sorted(set(identifiers)))


def imported_record_section(request, patient) -> str:
    """The section's HTML: chart readers only (the consents section's rule), "" for a patient not imported."""
    if not request.user.may(Permission.PATIENT_VIEW):
        return ""
    record = imported_record(patient)
    if record is None:
        return ""
    return render_to_string("fhir_imports/_chart_section.html", {"record": record}, request=request)
