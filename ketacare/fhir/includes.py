"""`_include` and `_revinclude` on a search: the resources a page of matches refers to, and those that refer to it.

`_include=<Type>:<param>` (the type searched) adds the resources its matches reference through that parameter
(every type searchable by `patient` has `<Type>:patient`; others are declared per type, registry.Include).
`_revinclude=Provenance:target` adds the Provenance whose target is one of the matches (registry.REVINCLUDES).
Included resources are found by searches in the reader's scope, so they are access-checked like any search
(a kind the reader may not read is left out, never refused), and the selector audits them with the matches.
They are not paged: at most INCLUDE_LIMIT of each kind come with one page of matches.
"""

from typing import Any

from django.db.models import Model

from ketacare.fhir import registry
from ketacare.fhir.domain.search import SearchError
from ketacare.fhir.registry import REGISTRY, REVINCLUDES, Include, Resource, ResourceType, Scope, Source

INCLUDE_LIMIT = 500
Found = tuple[Source, Model, Resource]


def take_includes(
    resource_type: ResourceType, params: dict[str, list[list[str]]]
) -> tuple[list[Include], list[tuple[ResourceType, str]]]:
    """Removes `_include`/`_revinclude` from `params` and returns what they ask for; SearchError (400) names a
    value that is not supported on this type."""
    includes: list[Include] = []
    for value in (value for alternatives in params.pop("_include", []) for value in alternatives):
        type_name, _, rest = value.partition(":")
        param, _, target = rest.partition(":")
        include = resource_type.include_named(param) if type_name == resource_type.name else None
        if include is None or target not in ("", include.target):
            supported = ", ".join(resource_type.include_values()) or "none"
            raise SearchError(
                "_include", f"{value!r} is not supported on {resource_type.name} (supported: {supported})"
            )
        includes.append(include)
    revincludes: list[tuple[ResourceType, str]] = []
    for value in (value for alternatives in params.pop("_revinclude", []) for value in alternatives):
        if value not in REVINCLUDES:
            raise SearchError("_revinclude", f"{value!r} is not supported (supported: {', '.join(REVINCLUDES)})")
        type_name, _, param = value.partition(":")
        revincludes.append((REGISTRY[type_name], param))
    return includes, revincludes


def _references(value: Any, target: str) -> set[str]:
    """The ids of every `<target>/<id>` reference anywhere in a resource."""
    if isinstance(value, list):
        return {found for item in value for found in _references(item, target)}
    if not isinstance(value, dict):
        return set()
    found = {found for item in value.values() for found in _references(item, target)}
    reference = value.get("reference")
    if isinstance(reference, str) and reference.startswith(f"{target}/"):
        found.add(reference.removeprefix(f"{target}/"))
    return found


def included(
    scope: Scope, matches: list[Resource], includes: list[Include], revincludes: list[tuple[ResourceType, str]]
) -> list[Found]:
    """The resources the includes add to one page of matches, each once and none that is already a match."""
    seen = {(resource["resourceType"], resource["id"]) for resource in matches}
    found: list[Found] = []
    for include in includes:
        ids: set[str] = set()
        for resource in matches:
            elements = [resource.get(element) for element in include.elements] if include.elements else resource
            ids |= _references(elements, include.target)
        found += _search(REGISTRY[include.target], scope, "_id", sorted(ids), seen)
    for resource_type, param in revincludes:
        references = [f"{resource['resourceType']}/{resource['id']}" for resource in matches]
        found += _search(resource_type, scope, param, references, seen)
    return found


def _search(resource_type: ResourceType, scope: Scope, param: str, values: list[str], seen: set) -> list[Found]:
    if not values:
        return []
    page = registry.search(resource_type, scope, {param: [values]}, INCLUDE_LIMIT, None)
    new = []
    for source, row, resource in page.resources:
        key = (resource["resourceType"], resource["id"])
        if key not in seen:
            seen.add(key)
            new.append((source, row, resource))
    return new
