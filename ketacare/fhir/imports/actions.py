"""The import itself: one transaction per patient (the patient and every resource about them), through the
registry's and measures' actions, so validation and audit are those of the pages.

`import_resources` reads nothing from disk (reader.py does) and returns an `ImportReport`; with
`dry_run=True` everything runs in a transaction that is rolled back, so the report says exactly what an
import would create, update, leave unchanged, leave out or refuse, and nothing is written.
"""

import contextlib
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location, Organisation
from ketacare.fhir.domain.codes import KETACARE_FHIR
from ketacare.fhir.imports import mapping
from ketacare.fhir.imports.mapping import IMPORTED_TYPES, LeftOut, Mapped, Refused
from ketacare.fhir.imports.models import ImportedResource
from ketacare.fhir.imports.reader import Incoming
from ketacare.measures.actions import do_import_response
from ketacare.measures.models import ExternalScore
from ketacare.patients.actions import do_register_patient, do_update_patient
from ketacare.patients.models import Allergy, Diagnosis, Medication, Patient, WeightMeasurement

CREATED, UPDATED, UNCHANGED, LEFT_OUT, REFUSED = "created", "updated", "unchanged", "left out", "refused"
RESULTS = (CREATED, UPDATED, UNCHANGED, LEFT_OUT, REFUSED)
SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
# Clinical entries: the model's own checks (full_clean) as the chart's actions run them.
ENTRY_MODELS: dict[str, type[models.Model]] = {
    "diagnosis": Diagnosis,
    "allergy": Allergy,
    "medication": Medication,
    "weight": WeightMeasurement,
    "historical_score": ExternalScore,
}


SOURCE_SYSTEM_PREFIX = f"{KETACARE_FHIR}/sid/import/"


def source_system(source_name: str) -> str:
    """The system the source's resource ids are kept under: ids are unique only within the system they
    came from, so the clinic names it (osmind, old-ehr, ...)."""
    return f"{SOURCE_SYSTEM_PREFIX}{source_name}"


@dataclass
class Outcome:
    type: str
    id: str
    result: str
    reason: str = ""
    patient: str = ""  # the source id of the resource's patient
    target: str = ""  # the patient's record number, for patients


@dataclass
class ImportReport:
    source: str
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """{resource type: {result: count}} for every type seen, every result listed."""
        counted = Counter((outcome.type, outcome.result) for outcome in self.outcomes)
        types = [*IMPORTED_TYPES, *sorted({o.type for o in self.outcomes} - set(IMPORTED_TYPES))]
        return {
            name: {result: counted[(name, result)] for result in RESULTS}
            for name in types
            if any(counted[(name, result)] for result in RESULTS)
        }

    def total(self, result: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.result == result)

    @property
    def not_imported(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.result in (LEFT_OUT, REFUSED)]

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "dry_run": self.dry_run, "outcomes": [asdict(o) for o in self.outcomes]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ImportReport":
        return cls(data["source"], data["dry_run"], [Outcome(**o) for o in data["outcomes"]])


@dataclass
class _Group:
    """One patient of the import: their Patient resource (None when imported before) and the rest."""

    patient_id: str
    patient: dict | None = None
    members: list[tuple[dict, Mapped]] = field(default_factory=list)
    problem: Outcome | None = None  # the first refused resource: the whole group is refused


class _GroupRefused(Exception):
    def __init__(self, outcome: Outcome):
        self.outcome = outcome


def import_resources(
    actor,
    organisation: Organisation,
    incoming: Incoming,
    *,
    source_name: str,
    home_location: Location | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import what `incoming` holds into `organisation`, patient by patient; the report lists every resource."""
    require_permission(actor, Permission.RECORDS_IMPORT)
    if actor.organisation_id != organisation.pk:
        raise PermissionDenied("Staff import records only into their own organisation.")
    if not SOURCE_NAME.match(source_name or ""):
        raise ValidationError({"source": "Name the source system in lower-case letters, digits and '-'."})
    if home_location is not None and home_location.organisation_id != organisation.pk:
        raise ValidationError({"home_location": "Choose one of this clinic's locations."})
    report = ImportReport(source_name, dry_run)
    groups = _group(incoming, report)
    # A dry run is one transaction rolled back at the end; an import commits patient by patient (each
    # group's atomic block is its own transaction, or a savepoint when the caller holds one).
    with transaction.atomic() if dry_run else contextlib.nullcontext():
        importer = _Importer(actor, organisation, source_name, home_location)
        for group in groups.values():
            report.outcomes.extend(importer.run(group))
        if dry_run:
            transaction.set_rollback(True)
        else:
            record_event(
                actor,
                AuditAction.CREATE,
                organisation=organisation,
                object_type="fhir.import",
                detail={"source": source_name, "counts": report.counts()},
            )
    return report


def _group(incoming: Incoming, report: ImportReport) -> dict[str, _Group]:
    """Check every resource and sort it under its patient; what cannot be imported is reported here."""
    groups: dict[str, _Group] = {}
    seen: set[tuple[str, str]] = set()
    for resource in incoming.resources:
        kind, resource_id = str(resource.get("resourceType")), str(resource.get("id") or "")
        try:
            mapping.check_structure(resource)
            if (kind, resource_id) in seen:
                raise Refused(f"{kind}/{resource_id} appears twice in the import.")
            seen.add((kind, resource_id))
            mapped = mapping.MAPPERS[kind](resource) if kind != "Patient" else None
            patient_id = resource_id if kind == "Patient" else _patient_of(resource, incoming)
        except LeftOut as exc:
            report.outcomes.append(Outcome(kind, resource_id, LEFT_OUT, str(exc)))
            continue
        except Refused as exc:
            patient_id = _patient_of_quietly(resource, incoming)
            outcome = Outcome(kind, resource_id, REFUSED, str(exc), patient_id or "")
            if patient_id is None:
                report.outcomes.append(outcome)
            else:
                group = groups.setdefault(patient_id, _Group(patient_id))
                group.problem = group.problem or outcome
                if kind == "Patient":
                    group.patient = resource
                else:
                    group.members.append((resource, Mapped("refused", {})))
            continue
        group = groups.setdefault(patient_id, _Group(patient_id))
        if kind == "Patient":
            group.patient = resource
        else:
            group.members.append((resource, mapped))
    return groups


def _patient_of(resource: dict, incoming: Incoming) -> str:
    reference = mapping.patient_reference(resource)
    target = incoming.full_urls.get(reference)
    if target is not None and target.get("resourceType") == "Patient" and target.get("id"):
        return str(target["id"])
    found = mapping.reference_id(reference, "Patient")
    if found is None:
        raise Refused(f"patient reference {reference!r} is not a Patient reference this import can follow.")
    return found


def _patient_of_quietly(resource: dict, incoming: Incoming) -> str | None:
    if resource.get("resourceType") == "Patient":
        return str(resource.get("id") or "") or None
    try:
        return _patient_of(resource, incoming)
    except (Refused, AttributeError, TypeError):
        return None


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


class _Importer:
    def __init__(self, actor, organisation: Organisation, source_name: str, home_location: Location | None):
        self.actor = actor
        self.organisation = organisation
        self.source_name = source_name
        self.system = source_system(source_name)
        self.home_location = home_location

    def run(self, group: _Group) -> list[Outcome]:
        """The group in one savepoint: all of it, or nothing and every resource of it refused."""
        outcomes: list[Outcome] = []
        try:
            if group.problem is not None:
                raise _GroupRefused(group.problem)
            with transaction.atomic():
                patient, outcome = self._patient(group)
                if outcome is not None:
                    outcomes.append(outcome)
                for resource, mapped in group.members:
                    outcomes.append(self._member(patient, group, resource, mapped))
        except _GroupRefused as refused:
            return self._all_refused(group, refused.outcome)
        return outcomes

    def _all_refused(self, group: _Group, culprit: Outcome) -> list[Outcome]:
        because = (
            f"not imported: {culprit.type}/{culprit.id} of this patient was refused, and a patient is "
            "imported whole or not at all"
        )
        resources = ([group.patient] if group.patient else []) + [resource for resource, _ in group.members]
        return [
            culprit
            if (resource["resourceType"], resource["id"]) == (culprit.type, culprit.id)
            else Outcome(resource["resourceType"], resource["id"], REFUSED, because, group.patient_id)
            for resource in resources
        ]

    def _refuse(self, resource: dict, patient_id: str, exc: Exception) -> None:
        raise _GroupRefused(Outcome(resource["resourceType"], resource["id"], REFUSED, _reason(exc), patient_id))

    # ---------------------------------------------------------------- the patient

    def _known(self, resource_type: str, source_id: str) -> ImportedResource | None:
        return ImportedResource.objects.filter(
            organisation=self.organisation, source_system=self.system, resource_type=resource_type, source_id=source_id
        ).first()

    def _patient(self, group: _Group) -> tuple[Patient, Outcome | None]:
        resource = group.patient
        if resource is None:
            known = self._known("Patient", group.patient_id)
            if known is None:
                member = group.members[0][0]
                raise _GroupRefused(
                    Outcome(
                        member["resourceType"],
                        member["id"],
                        REFUSED,
                        f"Patient/{group.patient_id} is neither in this import nor imported before from this source.",
                        group.patient_id,
                    )
                )
            # More resources of a patient imported before: the report has no Patient line for them.
            return _live(Patient.objects.get(pk=known.target_id)), None
        identifiers = mapping.patient_identifiers(resource)
        match = Q(source_system=self.system, source_id=resource["id"])
        for system, value in identifiers:
            match |= Q(source_system=system, source_id=value)
        known_rows = list(
            ImportedResource.objects.filter(organisation=self.organisation, resource_type="Patient").filter(match)
        )
        digest = mapping.content_hash(resource)
        try:
            values = mapping.map_patient(resource).values
            if len({row.target_id for row in known_rows}) > 1:
                raise Refused("identifier: its identifiers name two different patients imported before.")
            if known_rows:
                patient = _live(Patient.objects.get(pk=known_rows[0].target_id))
                result = UNCHANGED
                if any(row.content_sha256 != digest for row in known_rows):
                    patient = do_update_patient(self.actor, patient.pk, **values)
                    result = UPDATED
            else:
                patient = do_register_patient(
                    self.actor, organisation=self.organisation, home_location=self.home_location, **values
                )
                result = CREATED
            self._remember(patient, "Patient", [(self.system, resource["id"]), *identifiers], digest, patient)
        except (Refused, ValidationError, IntegrityError) as exc:
            self._refuse(resource, group.patient_id, exc)
        return patient, Outcome("Patient", resource["id"], result, "", group.patient_id, patient.record_number)

    def _remember(self, patient: Patient, resource_type: str, keys: list[tuple[str, str]], digest: str, target):
        for system, source_id in keys:
            ImportedResource.objects.update_or_create(
                organisation=self.organisation,
                source_system=system,
                resource_type=resource_type,
                source_id=source_id,
                defaults={
                    "content_sha256": digest,
                    "target_model": target._meta.label,
                    "target_id": target.pk,
                    "patient": patient,
                },
            )

    # ---------------------------------------------------------------- the rest of the chart

    def _member(self, patient: Patient, group: _Group, resource: dict, mapped: Mapped) -> Outcome:
        kind, source_id = resource["resourceType"], resource["id"]
        digest = mapping.content_hash(resource)
        try:
            if kind == "Observation" and self._derived_from_response(group, resource):
                return Outcome(
                    kind,
                    source_id,
                    LEFT_OUT,
                    "a score KetaCare derives from its QuestionnaireResponse (imported with it)",
                    group.patient_id,
                )
            known = self._known(kind, source_id)
            if known is not None:
                if known.content_sha256 == digest:
                    return Outcome(kind, source_id, UNCHANGED, "", group.patient_id)
                raise Refused(
                    f"changed in the source since it was imported on {known.imported_at:%Y-%m-%d}; an imported "
                    "clinical entry is not overwritten: correct it on the chart."
                )
            target = self._create(patient, mapped, f"{self.system}/{kind}/{source_id}")
            self._remember(patient, kind, [(self.system, source_id)], digest, target)
        except (Refused, ValidationError, IntegrityError) as exc:
            self._refuse(resource, group.patient_id, exc)
        return Outcome(kind, source_id, CREATED, "", group.patient_id)

    def _derived_from_response(self, group: _Group, resource: dict) -> bool:
        response_id = mapping.derived_response_id(resource)
        if response_id is None:
            return False
        in_import = any(
            member["resourceType"] == "QuestionnaireResponse" and member["id"] == response_id
            for member, _ in group.members
        )
        return in_import or self._known("QuestionnaireResponse", response_id) is not None

    def _create(self, patient: Patient, mapped: Mapped, source: str) -> models.Model:
        if mapped.kind == "response":
            return do_import_response(self.actor, patient, source=source, **mapped.values)
        values = dict(mapped.values)
        if mapped.kind == "historical_score":  # kept beside the responses, marked with where it came from
            values.update(organisation=self.organisation, source=self.source_name)
        entry = ENTRY_MODELS[mapped.kind](patient=patient, recorded_by=self.actor, **values)
        entry.full_clean(exclude=["patient", "recorded_by"])
        entry.save(force_insert=True)
        record_event(
            self.actor,
            AuditAction.CREATE,
            entry,
            patient=patient,
            detail={"fields": sorted(mapped.values), "imported_from": source},
        )
        return entry


def _live(patient: Patient) -> Patient:
    """A patient merged into another since the import: the survivor holds the record now."""
    while patient.merged_into_id is not None:
        patient = Patient.objects.get(pk=patient.merged_into_id)
    return patient
