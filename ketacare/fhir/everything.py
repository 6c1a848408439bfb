"""Patient/<id>/$everything (FHIR R4 operation): the patient and every resource in their compartment.

The compartment comes from the registry, so a new resource type joins it by being registered: the Patient
itself, then every source that names its patient (`patient_path`, or a `patient` filter of its own as the
emergency contact has), filtered to that patient, leaving out sources the reader may not read; `_since` keeps
the rows changed after it (registry.changed_since; `_type` and `_since` are read as Bulk Data's are). Paging is
the search's keyset cursor over that list of sources (source number, last pk): pages neither skip nor
repeat rows. Each page also carries, as `include` entries, the Practitioners, Locations and Organization
its resources reference, as `_include` does (per page, so one may come again on a later page).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet

from ketacare.fhir.domain.search import Cursor
from ketacare.fhir.registry import REGISTRY, Resource, ResourceType, Scope, Source, changed_since
from ketacare.lib.ids import DB_ID_MAX

# The types a patient's resources reference that are not about one patient: sent along as includes.
INCLUDED_TYPES = ("Practitioner", "Location", "Organization")


@dataclass(frozen=True)
class Part:
    """One source of the compartment."""

    resource_type: ResourceType
    source: Source


@dataclass
class EverythingPage:
    matches: list[tuple[Source, Model, Resource]]
    included: list[Resource]
    next_cursor: Cursor | None


def in_compartment(resource_type: ResourceType, source: Source) -> bool:
    return resource_type.name == "Patient" or source.patient_path is not None or "patient" in source.filters


def compartment_parts(scope: Scope, types: set[str] | None = None) -> list[Part]:
    """The compartment's sources the scope may read, the Patient first, then in registry order."""
    parts = [
        Part(resource_type, source)
        for resource_type in REGISTRY.values()
        if types is None or resource_type.name in types
        for source in resource_type.sources
        if in_compartment(resource_type, source) and source.visible(scope)
    ]
    return sorted(parts, key=lambda part: part.resource_type.name != "Patient")  # stable: the rest keep order


def compartment_rows(part: Part, scope: Scope, patient_id: int, since: dt.datetime | None = None) -> QuerySet:
    rows = part.source.scoped(scope)
    if since is not None:
        rows = changed_since(rows, since)
    if part.resource_type.name == "Patient":
        return rows.filter(pk=patient_id)
    if "patient" in part.source.filters:
        return part.source.filters["patient"](rows, [[str(patient_id)]])
    return rows.filter(**{part.source.patient_path: patient_id})


def everything_page(
    scope: Scope,
    patient_id: int,
    types: set[str] | None,
    since: dt.datetime | None,
    count: int,
    after: Cursor | None,
) -> EverythingPage:
    """One page of the patient's compartment (at most `count` matches) with what it references."""
    found: list[tuple[Source, Model, Resource]] = []
    parts = compartment_parts(scope, types)
    part_of_match: dict[int, int] = {}
    for index, part in enumerate(parts):
        if after is not None and index < after.source:
            continue
        rows = compartment_rows(part, scope, patient_id, since).order_by("pk")
        if after is not None and index == after.source:
            rows = rows.filter(pk__gt=min(after.key, DB_ID_MAX))
        for row in rows[: count + 1 - len(found)]:
            part_of_match[len(found)] = index
            found.append((part.source, row, part.source.to_resource(row, scope)))
        if len(found) > count:
            last_row = found[count - 1][1]
            page = found[:count]
            return EverythingPage(page, referenced(page, scope, types), Cursor(part_of_match[count - 1], last_row.pk))
    return EverythingPage(found, referenced(found, scope, types), None)


def _references(value: Any, wanted: dict[str, set[str]]) -> None:
    """Collect `Type/id` references to the included types anywhere in a resource."""
    if isinstance(value, dict):
        target = value.get("reference")
        if isinstance(target, str):
            type_name, _, resource_id = target.partition("/")
            if type_name in wanted and resource_id:
                wanted[type_name].add(resource_id)
        for item in value.values():
            _references(item, wanted)
    elif isinstance(value, list):
        for item in value:
            _references(item, wanted)


def referenced(found: list[tuple[Source, Model, Resource]], scope: Scope, types: set[str] | None) -> list[Resource]:
    """The Practitioners, Locations and Organization the page's resources reference that the reader may read."""
    wanted: dict[str, set[str]] = {name: set() for name in INCLUDED_TYPES if types is None or name in types}
    for _, _, resource in found:
        _references(resource, wanted)
    included: list[Resource] = []
    for name, resource_ids in wanted.items():
        resource_type = REGISTRY.get(name)
        if resource_type is None or not resource_ids:
            continue
        for source in resource_type.sources:
            if not source.visible(scope):
                continue
            pks = []
            for resource_id in sorted(resource_ids):
                match = resource_type.source_for_id(resource_id)
                if match is not None and match[1] is source:
                    pks.append(match[2])
            for row in source.scoped(scope).filter(pk__in=pks).order_by("pk"):
                included.append(source.to_resource(row, scope))
    return included
