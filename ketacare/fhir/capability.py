"""The CapabilityStatement at /fhir/metadata, built from the registry so it lists exactly what is served."""

from ketacare.fhir.domain import codes
from ketacare.fhir.registry import DERIVED, REGISTRY, REVINCLUDES, STATIC, ResourceType, SearchParam

ID_PARAM = SearchParam("_id", "token", "The resource id.")
COUNT_NOTE = "Pages of `_count` entries (default 50, at most 200) with a `next` link."
BULK_DATA = "http://hl7.org/fhir/uv/bulkdata/"
# Operations on one resource type's instances: (type, name, definition, documentation).
RESOURCE_OPERATIONS = [
    (
        "Patient",
        "everything",
        "http://hl7.org/fhir/OperationDefinition/Patient-everything",
        "Patient/<id>/$everything: the patient and every resource in their compartment the reader may see, "
        "with the Practitioners, Locations and Organization they reference; `_type`, `_since` and `_count` "
        "(paged like search).",
    ),
    (
        "Patient",
        "export",
        BULK_DATA + "OperationDefinition/patient-export",
        "Patient/$export (Bulk Data 2.0, Prefer: respond-async): every patient's compartment as NDJSON files.",
    ),
    (
        "Group",
        "export",
        BULK_DATA + "OperationDefinition/group-export",
        "Group/location-<id>/$export (Bulk Data 2.0): the compartments of one location's patients.",
    ),
]
# The system-level operations (on the base URL).
SYSTEM_OPERATIONS = [
    {
        "name": "export",
        "definition": BULK_DATA + "OperationDefinition/export",
        "documentation": "$export (Bulk Data 2.0, Prefer: respond-async): every type the reader may read as NDJSON "
        "files, with _type, _since and _outputFormat; a status URL to poll, DELETE to cancel.",
    }
]
# The date this statement last changed (FHIR asks for one; it moves when the served resources do).
STATEMENT_DATE = "2026-12-07"


def _param(param: SearchParam) -> dict:
    return {"name": param.name, "type": param.type, "documentation": param.documentation}


def capability_statement(base_url: str) -> dict:
    resources = []
    for name in sorted([*REGISTRY, *STATIC, *DERIVED]):
        served = REGISTRY.get(name) or STATIC.get(name) or DERIVED[name]
        entry = {
            "type": name,
            "interaction": [{"code": "read"}, {"code": "search-type", "documentation": COUNT_NOTE}],
            "searchParam": [_param(ID_PARAM), *(_param(param) for param in served.search_params)],
        }
        if isinstance(served, ResourceType):
            includes = served.include_values()
            if includes:
                entry["searchInclude"] = includes
            entry["searchRevInclude"] = list(REVINCLUDES)
        profiles = getattr(served, "profiles", ())
        if profiles:
            entry["supportedProfile"] = list(profiles)
        if served.documentation:
            entry["documentation"] = served.documentation
        operations = [
            {"name": op_name, "definition": definition, "documentation": documentation}
            for type_name, op_name, definition, documentation in RESOURCE_OPERATIONS
            if type_name == name
        ]
        if operations:
            entry["operation"] = operations
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": STATEMENT_DATE,
        "publisher": "KetaCare",
        "kind": "instance",
        "software": {"name": "KetaCare"},
        "implementation": {"description": "KetaCare FHIR R4 read and search", "url": base_url},
        "instantiates": [BULK_DATA + "CapabilityStatement/bulk-data"],
        "fhirVersion": codes.FHIR_VERSION,
        "format": ["json", codes.FHIR_JSON],
        "rest": [
            {
                "mode": "server",
                "documentation": "Read and search only. Unknown search parameters and modifiers are refused (400).",
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ],
                            "text": "OAuth2 using SMART-on-FHIR profile (see /fhir/.well-known/smart-configuration)",
                        }
                    ],
                    "extension": [
                        {
                            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                            "extension": [
                                {"url": "authorize", "valueUri": f"{base_url}auth/authorize"},
                                {"url": "token", "valueUri": f"{base_url}auth/token"},
                            ],
                        }
                    ],
                    "description": "Authorization: Bearer <personal API token> (created on /accounts/tokens/ or "
                    "with `ketacare token create`), a SMART App Launch access token (/fhir/auth/authorize, "
                    "/fhir/auth/token), or a signed-in session with two-factor done. Staff read their "
                    "clinic's records as the role matrix allows, narrowed by a token's SMART scopes; a patient reads "
                    "only their own record.",
                },
                "resource": resources,
                "operation": SYSTEM_OPERATIONS,
            }
        ],
    }
