"""The CapabilityStatement at /fhir/metadata, built from the registry so it lists exactly what is served."""

from ketacare.fhir.domain import codes
from ketacare.fhir.registry import REGISTRY, STATIC, SearchParam

ID_PARAM = SearchParam("_id", "token", "The resource id.")
COUNT_NOTE = "Pages of `_count` entries (default 50, at most 200) with a `next` link."
# The date this statement last changed (FHIR asks for one; it moves when the served resources do).
STATEMENT_DATE = "2026-12-07"


def _param(param: SearchParam) -> dict:
    return {"name": param.name, "type": param.type, "documentation": param.documentation}


def capability_statement(base_url: str) -> dict:
    resources = []
    for name in sorted([*REGISTRY, *STATIC]):
        served = REGISTRY.get(name) or STATIC[name]
        entry = {
            "type": name,
            "interaction": [{"code": "read"}, {"code": "search-type", "documentation": COUNT_NOTE}],
            "searchParam": [_param(ID_PARAM), *(_param(param) for param in served.search_params)],
        }
        profiles = getattr(served, "profiles", ())
        if profiles:
            entry["supportedProfile"] = list(profiles)
        if served.documentation:
            entry["documentation"] = served.documentation
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": STATEMENT_DATE,
        "publisher": "KetaCare",
        "kind": "instance",
        "software": {"name": "KetaCare"},
        "implementation": {"description": "KetaCare FHIR R4 read and search", "url": base_url},
        "fhirVersion": codes.FHIR_VERSION,
        "format": ["json", codes.FHIR_JSON],
        "rest": [
            {
                "mode": "server",
                "documentation": "Read and search only. Unknown search parameters and modifiers are refused (400).",
                "security": {
                    "description": "Authorization: Bearer <personal API token> (created on /accounts/tokens/ or "
                    "with `ketacare token create`), or a signed-in session with two-factor done. Staff read their "
                    "clinic's records as the role matrix allows; a patient reads only their own record."
                },
                "resource": resources,
            }
        ],
    }
