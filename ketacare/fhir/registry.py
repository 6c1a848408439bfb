"""The resource registry: every FHIR resource type served, where its rows come from and how they are searched.

A `ResourceType` has one or more `Source`s (Observation: questionnaire scores, each vital sign, weights).
A source turns the rows of one table, already narrowed to what the reader may see (`Scope`), into
resources; its queryset is lazy, so a search reads one page and a bulk exporter can stream a whole
type (`iter_resources`) with flat memory. Ids are `<source key>-<pk>` where a type has several sources.

Search order is stable: source by source in registry order, then by primary key, so a `next` link is a
keyset cursor (source number, last pk) and pages neither skip nor repeat rows when new ones arrive.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet

from ketacare.accounts.domain.roles import Permission
from ketacare.fhir.domain.search import Cursor, SearchError, is_number, parse_reference
from ketacare.lib.ids import DB_ID_MAX, db_id_or_zero

Resource = dict[str, Any]


@dataclass(frozen=True)
class Scope:
    """What one reader may see: their organisation, and for a patient only their own record."""

    user: Any
    organisation_id: int
    organisation_slug: str
    patient_id: int | None = None  # set for a patient signed in to the portal
    # A staff member's SMART patient-level grant (fhir/domain/scopes.py): their role's sources, but only this
    # patient's rows of them (rows about no one patient, such as Practitioner, as the role allows).
    launch_patient_id: int | None = None

    def may(self, permission: Permission | None) -> bool:
        if self.patient_id is not None:
            return False
        return permission is None or self.user.may(permission)


@dataclass(frozen=True)
class SearchParam:
    name: str
    type: str  # FHIR search parameter type: token, string, date, reference
    documentation: str


# A filter narrows a source's rows for one search parameter: (queryset, values) → queryset. `values` holds
# one entry per occurrence of the parameter (all must match), each a list of comma-separated alternatives.
Filter = Callable[[QuerySet, list[list[str]]], QuerySet]


@dataclass(frozen=True)
class Source:
    key: str  # the id prefix ("" when the type has one source: the id is the pk)
    rows: Callable[[Scope], QuerySet]  # the rows the scope may see, related rows joined
    to_resource: Callable[[Any, Scope], Resource]
    filters: dict[str, Filter] = field(default_factory=dict)
    patient_path: str | None = "patient"  # the lookup to the row's patient; None: not about one patient
    # Staff need this permission to read the source (patients read their own compartment).
    permission: Permission | None = None
    patients_may_read: bool = True

    def visible(self, scope: Scope) -> bool:
        if scope.patient_id is not None:
            return self.patients_may_read
        return scope.may(self.permission)

    def scoped(self, scope: Scope) -> QuerySet:
        rows = self.rows(scope)
        if scope.patient_id is not None and self.patient_path is not None:
            rows = rows.filter(**{self.patient_path: scope.patient_id})
        if scope.launch_patient_id is not None:
            if self.patient_path is not None:
                rows = rows.filter(**{self.patient_path: scope.launch_patient_id})
            elif rows.model._meta.label == "patients.Patient":  # Patient itself, RelatedPerson from its row
                rows = rows.filter(pk=scope.launch_patient_id)
        return rows

    def patient_of(self, row: Model):
        if self.patient_path is None:
            return None
        for part in self.patient_path.split("__"):
            row = getattr(row, part)
        return row

    def resource_id(self, row: Model) -> str:
        return f"{self.key}-{row.pk}" if self.key else str(row.pk)


@dataclass(frozen=True)
class Include:
    """`_include=<Type>:<param>`: the `target` resources a match refers to (found by walking the match's
    `elements`, all of them when none are named, for `<target>/<id>` references, then searched for through the
    registry with the reader's scope)."""

    param: str
    target: str
    elements: tuple[str, ...] = ()


# `<Type>:patient`: where the patient is referenced (Appointment names them among its participants).
PATIENT_INCLUDE_ELEMENTS = ("subject", "patient", "participant")


@dataclass(frozen=True)
class ResourceType:
    name: str
    sources: tuple[Source, ...]
    search_params: tuple[SearchParam, ...] = ()
    profiles: tuple[str, ...] = ()  # the US Core profiles some or all of its resources claim
    documentation: str = ""
    includes: tuple[Include, ...] = ()  # besides `<Type>:patient`, which every type searchable by patient has

    def include_values(self) -> list[str]:
        """The `_include` values this type answers: `<Type>:<param>`."""
        params = [PATIENT_PARAM.name] if PATIENT_PARAM in self.search_params else []
        return [f"{self.name}:{param}" for param in params + [include.param for include in self.includes]]

    def include_named(self, param: str) -> Include | None:
        if param == PATIENT_PARAM.name and PATIENT_PARAM in self.search_params:
            return Include(PATIENT_PARAM.name, "Patient", PATIENT_INCLUDE_ELEMENTS)
        return next((include for include in self.includes if include.param == param), None)

    def source_for_id(self, resource_id: str) -> tuple[int, Source, int] | None:
        """(index, source, pk) for an id this type issues, None for any other id."""
        for index, source in enumerate(self.sources):
            number = resource_id.removeprefix(f"{source.key}-") if source.key else resource_id
            if (not source.key or number != resource_id) and row_id(number):
                return index, source, row_id(number)
        return None


def row_id(text: str) -> int:
    """A row id from a FHIR id or reference: 0 (no row) for anything a database id cannot be, so an
    over-long number is "not found" rather than an overflow in a foreign-key lookup (lib/ids.py)."""
    return db_id_or_zero(int(text)) if is_number(text) else 0


REGISTRY: dict[str, ResourceType] = {}
PATIENT_PARAM = SearchParam("patient", "reference", "The patient the resource is about (Patient/<id> or <id>).")
COMMON_PARAMS = {"_id", "_count", "_cursor", "_format"}
# US Core asks every server to answer `_revinclude=Provenance:target` on the types it profiles; it is
# answered on every type (a type no Provenance points at includes nothing).
REVINCLUDES = ("Provenance:target",)


def register(resource_type: ResourceType) -> ResourceType:
    REGISTRY[resource_type.name] = resource_type
    return resource_type


def patient_filter(path: str) -> Filter:
    def apply(rows: QuerySet, values: list[list[str]]) -> QuerySet:
        for alternatives in values:
            ids = [parse_reference("patient", value, "Patient") for value in alternatives]
            rows = rows.filter(**{f"{path}__in": [row_id(i) for i in ids]})
        return rows

    return apply


@dataclass
class Page:
    resources: list[tuple[Source, Model, Resource]]
    next_cursor: Cursor | None


def _filtered(resource_type: ResourceType, source: Source, scope: Scope, params: dict[str, list[list[str]]]):
    rows = source.scoped(scope)
    for name, values in params.items():
        if name == "_id":
            for alternatives in values:
                pks = []
                for value in alternatives:
                    found = resource_type.source_for_id(value)
                    if found is not None and found[1] is source:
                        pks.append(found[2])
                rows = rows.filter(pk__in=pks)
        elif name == "patient" and name not in source.filters:
            if source.patient_path is None:
                return rows.none()
            rows = patient_filter(source.patient_path)(rows, values)
        else:
            rows = source.filters[name](rows, values)
    return rows


def check_params(resource_type: ResourceType, params: dict[str, list[list[str]]]) -> None:
    known = {param.name for param in resource_type.search_params} | COMMON_PARAMS
    for name in params:
        if name not in known:
            supported = ", ".join(sorted(known - {"_cursor", "_format"}))
            raise SearchError(name, f"{resource_type.name} cannot be searched by {name!r} (supported: {supported})")


def search(
    resource_type: ResourceType, scope: Scope, params: dict[str, list[list[str]]], count: int, after: Cursor | None
) -> Page:
    """One page of matches the scope may see (sources it may not read are left out)."""
    check_params(resource_type, params)
    found: list[tuple[Source, Model, Resource]] = []
    for index, source in enumerate(resource_type.sources):
        if (after is not None and index < after.source) or not source.visible(scope):
            continue
        rows = _filtered(resource_type, source, scope, params).order_by("pk")
        if after is not None and index == after.source:
            rows = rows.filter(pk__gt=min(after.key, DB_ID_MAX))
        for row in rows[: count + 1 - len(found)]:
            found.append((source, row, source.to_resource(row, scope)))
        if len(found) > count:
            last_source, last_row, _ = found[count - 1]
            return Page(found[:count], Cursor(resource_type.sources.index(last_source), last_row.pk))
    return Page(found, None)


class NotVisible(Exception):
    """The reader may not read this kind of resource at all (403)."""


def read(resource_type: ResourceType, scope: Scope, resource_id: str) -> tuple[Source, Model, Resource] | None:
    """The resource, None when it does not exist for this reader (404); NotVisible when its kind is barred."""
    found = resource_type.source_for_id(resource_id)
    if found is None:
        return None
    _, source, pk = found
    if not source.visible(scope):
        raise NotVisible(resource_type.name)
    row = source.scoped(scope).filter(pk=pk).first()
    return None if row is None else (source, row, source.to_resource(row, scope))


def readable(resource_type: ResourceType, scope: Scope) -> bool:
    return any(source.visible(scope) for source in resource_type.sources)


# `_since` (Bulk Data): the times at which a row of each table changes; a row is exported when any of them is
# after `_since`. Tables not listed (or listed empty: staff, the organisation and its locations keep no such
# time) are exported whole, so a client asking for what changed gets it, and perhaps more. Tables that keep
# only a creation time (diagnoses, allergies, medications, weights, plans) are edited rarely: an edit after
# `_since` of a row created before it is missed (docs/fhir.md, "Bulk Data export").
LAST_UPDATED: dict[str, tuple[str, ...]] = {
    "patients.Patient": ("updated_at",),
    "patients.Diagnosis": ("recorded_at",),
    "patients.Allergy": ("recorded_at",),
    "patients.Medication": ("recorded_at",),
    "patients.WeightMeasurement": ("recorded_at",),
    "scheduling.Appointment": ("updated_at",),
    "consents.SignedConsent": ("signed_at", "revocation__revoked_at"),
    "protocols.TreatmentPlan": ("created_at", "dose_overridden_at"),
    "documents.PatientDocument": ("uploaded_at",),
    "measures.QuestionnaireResponse": ("submitted_at",),
    "treatments.VitalSign": ("recorded_at",),
    "treatments.TreatmentSession": (
        "created_at",
        "checked_in_at",
        "held_at",
        "overridden_at",
        "administration_started_at",
        "administration_stopped_at",
        "discharged_at",
        "signed_at",
    ),
    "treatments.DosePreparation": ("drawn_at", "wasted_at"),
    "treatments.SessionDevice": ("administered_at",),
    "consultations.ConsultationNote": ("updated_at", "signed_at"),
}


def changed_since(rows: QuerySet, since) -> QuerySet:
    """The rows changed after `since` by their table's LAST_UPDATED times; all rows for a table without any."""
    fields = LAST_UPDATED.get(rows.model._meta.label, ())
    if not fields:
        return rows
    changed = Q()
    for path in fields:
        changed |= Q(**{f"{path}__gt": since})
    return rows.filter(changed)


def compartment_path(source: Source, rows: QuerySet) -> str | None:
    """The lookup from a source's rows to the patient they belong to (Patient and RelatedPerson rows are the
    patients themselves); None for a source about no patient (staff, the clinic, its locations)."""
    if source.patient_path is not None:
        return source.patient_path
    return "pk" if rows.model._meta.label == "patients.Patient" else None


def export_rows(source: Source, scope: Scope, *, since=None, patients: QuerySet | None = None) -> QuerySet | None:
    """The rows of a source an export writes: with `since` those changed after it, with `patients` (a
    queryset of patient ids) those about these patients; None when the source is about no patient then."""
    rows = source.scoped(scope)
    if since is not None:
        rows = changed_since(rows, since)
    if patients is not None:
        path = compartment_path(source, rows)
        if path is None:
            return None
        rows = rows.filter(**{f"{path}__in": patients})
    return rows


def iter_resources(
    resource_type: ResourceType,
    scope: Scope,
    *,
    chunk_size: int = 500,
    since=None,
    patients: QuerySet | None = None,
) -> Iterator[Resource]:
    """Every resource of the type the scope may see, streamed (for exports: memory stays flat), narrowed as
    export_rows narrows with `since` and `patients`."""
    for source in resource_type.sources:
        rows = export_rows(source, scope, since=since, patients=patients) if source.visible(scope) else None
        if rows is not None:
            for row in rows.order_by("pk").iterator(chunk_size=chunk_size):
                yield source.to_resource(row, scope)


@dataclass(frozen=True)
class StaticType:
    """A resource type that is not a table: the same for every reader (Questionnaire: the instrument library)."""

    name: str
    resources: Callable[[], list[Resource]]
    search_params: tuple[SearchParam, ...] = ()
    documentation: str = ""


STATIC: dict[str, StaticType] = {}


def register_static(static_type: StaticType) -> StaticType:
    STATIC[static_type.name] = static_type
    return static_type


# A derived match: the Source and row it was computed from (for the audit: Slot names its chair's Schedule) and
# the resource.
Derived = tuple[Source, Model, Resource]


@dataclass(frozen=True)
class DerivedType:
    """A resource type computed on each request from other rows, with no row of its own (Slot: a chair's busy
    and free time from its bookings and its location's opening hours).

    A search must bound what it computes (the type's `search` refuses one that does not), so its matches are a
    short list paged by position; an id names what the resource was computed from, so `read` computes it again.
    Not exported (Bulk Data, $everything, the clinic's export): such a type has no natural end (docs/fhir.md)."""

    name: str
    search: Callable[[Scope, dict[str, list[list[str]]]], list[Derived]]
    read: Callable[[Scope, str], Derived | None]
    permission: Permission | None
    search_params: tuple[SearchParam, ...] = ()
    documentation: str = ""

    def visible(self, scope: Scope) -> bool:
        return scope.may(self.permission)


DERIVED: dict[str, DerivedType] = {}


def register_derived(derived_type: DerivedType) -> DerivedType:
    DERIVED[derived_type.name] = derived_type
    return derived_type
