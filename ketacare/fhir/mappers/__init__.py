"""Database rows → FHIR R4 resources, one module per area; importing a module registers its types."""

from typing import Any


def reference(resource_type: str, resource_id: Any, display: str = "") -> dict[str, str]:
    ref = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        ref["display"] = display
    return ref


def coding(system: str, code: str, display: str = "") -> dict[str, str]:
    result = {"system": system, "code": code}
    if display:
        result["display"] = display
    return result


def concept(system: str, code: str, display: str = "", text: str = "") -> dict[str, Any]:
    result: dict[str, Any] = {"coding": [coding(system, code, display)]}
    if text:
        result["text"] = text
    return result


def instant(value) -> str | None:
    """An aware datetime as FHIR dateTime (UTC); None stays None."""
    return None if value is None else value.isoformat()


def with_meta(resource: dict[str, Any], profile: str | None) -> dict[str, Any]:
    if profile:
        resource["meta"] = {"profile": [profile]}
    return resource


def without_empty(resource: dict[str, Any]) -> dict[str, Any]:
    """FHIR forbids empty strings, lists and objects: drop them (one level deep is where rows leave them)."""
    return {key: value for key, value in resource.items() if value not in (None, "", [], {})}
