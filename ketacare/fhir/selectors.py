"""Who may read what through FHIR, and the audit of every read.

The rules are the pages' rules: a staff member reads their own organisation only, each source only with
the role matrix's permission for the page that shows it (registry.Source.permission); a patient reads only
their own compartment; everyone else nothing. Every read and search is recorded as an export, one audit
entry per patient whose data the response carried (so the patient's access history and accounting of
disclosures list it), or one entry when it carried no patient's data.
"""

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ketacare.accounts.domain.roles import Permission, Role
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.fhir import everything, registry
from ketacare.fhir.bulk.params import parse_export_params
from ketacare.fhir.domain.scopes import READ, SEARCH, SmartGrant
from ketacare.fhir.domain.search import Cursor
from ketacare.fhir.includes import included, take_includes
from ketacare.fhir.registry import (
    DERIVED,
    REGISTRY,
    STATIC,
    DerivedType,
    Page,
    Resource,
    ResourceType,
    Scope,
    StaticType,
)
from ketacare.patients.models import Patient


def scope_for(user, grant: SmartGrant | None = None, resource_type: str | None = None) -> Scope:
    """The reader's scope; PermissionDenied for anyone who may read nothing here.

    `grant` (an OAuth token's scopes, None for API tokens and sessions) never widens the role: a patient
    still reads their own record only; staff whose grant covers `resource_type` (every type when None) by
    patient/ scopes alone read the launched patient's compartment only. Which types it covers at all is
    checked by the callers (grant.allows)."""
    organisation = user.organisation if user.organisation_id else None
    if organisation is None:
        raise PermissionDenied("Your account belongs to no clinic.")
    if user.may(Permission.OWN_RECORD_VIEW):
        patient_id = Patient.objects.filter(user=user, merged_into__isnull=True).values_list("pk", flat=True).first()
        if patient_id is None:
            raise PermissionDenied("Your account is linked to no patient record.")
        return Scope(user, organisation.pk, organisation.slug, patient_id=patient_id)
    # A backend client's service account (fhir/backend/) reads as the role matrix lets backend_service read.
    if not user.is_staff_member and user.role != Role.BACKEND_SERVICE:
        raise PermissionDenied("Your role may not read records here.")
    if grant is not None and grant.compartment_only(resource_type):
        if grant.patient_id is None:
            raise PermissionDenied("This token's patient/ scopes name no patient: launch with launch/patient.")
        return Scope(user, organisation.pk, organisation.slug, launch_patient_id=grant.patient_id)
    return Scope(user, organisation.pk, organisation.slug)


def _require_granted(grant: SmartGrant | None, type_name: str, interaction: str) -> None:
    """403 for a type (or interaction) the OAuth token's scopes do not cover."""
    if grant is not None and not grant.allows(type_name, interaction):
        verb = "read" if interaction == READ else "search"
        raise PermissionDenied(f"This app was not granted a scope to {verb} {type_name} (e.g. patient/{type_name}.rs).")


def resource_type_named(name: str) -> ResourceType | StaticType | DerivedType:
    found = REGISTRY.get(name) or STATIC.get(name) or DERIVED.get(name)
    if found is None:
        raise Http404(f"This server does not serve {name!r} resources (see /fhir/metadata).")
    return found


def _require_readable(resource_type: ResourceType | StaticType | DerivedType, scope: Scope) -> None:
    if (isinstance(resource_type, ResourceType) and not registry.readable(resource_type, scope)) or (
        isinstance(resource_type, DerivedType) and not resource_type.visible(scope)
    ):
        raise PermissionDenied(f"Your role may not read {resource_type.name} resources.")


def _audit(scope: Scope, resource_type: str, interaction: str, query: str, found: list) -> None:
    """One export entry per patient whose data the response carried; one without a patient when none."""
    patients: dict[int | None, Patient | None] = {}
    references: dict[int | None, list[str]] = defaultdict(list)
    for source, row, resource in found:
        patient = row if isinstance(row, Patient) else source.patient_of(row)
        key = None if patient is None else patient.pk
        patients[key] = patient
        references[key].append(f"{resource['resourceType']}/{resource['id']}")
    if not patients:
        patients[None] = None
    for key, patient in patients.items():
        read = references[key]
        record_event(
            scope.user,
            AuditAction.EXPORT,
            patient=patient,
            organisation=scope.user.organisation,
            object_type=f"fhir.{resource_type.lower()}",
            object_id=read[0].partition("/")[2] if interaction == "read" and read else "",
            detail={"interface": "fhir", "interaction": interaction, "query": query, "resources": read},
        )


def access_resource(user, type_name: str, resource_id: str, *, grant: SmartGrant | None = None) -> Resource:
    """One resource the reader may see (audited); 404 when it is not theirs to see, 403 for a barred kind."""
    resource_type = resource_type_named(type_name)
    _require_granted(grant, type_name, READ)
    scope = scope_for(user, grant, type_name)
    _require_readable(resource_type, scope)
    if isinstance(resource_type, StaticType):
        for resource in resource_type.resources():
            if resource["id"] == resource_id:
                return resource
        raise Http404(f"No {type_name} with id {resource_id!r}.")
    try:
        if isinstance(resource_type, DerivedType):
            found = resource_type.read(scope, resource_id)
        else:
            found = registry.read(resource_type, scope, resource_id)
    except registry.NotVisible as exc:
        raise PermissionDenied(f"Your role may not read this kind of {type_name}.") from exc
    if found is None:
        raise Http404(f"No {type_name} with id {resource_id!r}.")
    _audit(scope, type_name, "read", f"{type_name}/{resource_id}", [found])
    return found[2]


def search_resources(
    user,
    type_name: str,
    params: dict[str, list[list[str]]],
    count: int,
    after: Cursor | None,
    query: str,
    *,
    grant: SmartGrant | None = None,
) -> tuple[list[Resource], list[Resource], Cursor | None]:
    """One page of a search (audited, included resources too): the matches, the resources `_include` and
    `_revinclude` add (fhir/includes.py) and the cursor of the next page, if any."""
    resource_type = resource_type_named(type_name)
    _require_granted(grant, type_name, SEARCH)
    scope = scope_for(user, grant, type_name)
    _require_readable(resource_type, scope)
    if isinstance(resource_type, StaticType):
        resources, next_cursor = _search_static(resource_type, params, count, after)
        return resources, [], next_cursor
    if isinstance(resource_type, DerivedType):
        return _search_derived(resource_type, scope, params, count, after, query)
    params = dict(params)
    includes, revincludes = take_includes(resource_type, params)
    page: Page = registry.search(resource_type, scope, params, count, after)
    matches = [resource for _, _, resource in page.resources]
    added = included(scope, matches, includes, revincludes)
    if grant is not None:  # an included kind the token's scopes do not cover is left out, like a barred one
        added = [found for found in added if grant.allows(found[2]["resourceType"], SEARCH)]
    _audit(scope, type_name, "search", query, page.resources + added)
    return matches, [resource for _, _, resource in added], page.next_cursor


def _search_static(
    static_type: StaticType, params: dict[str, list[list[str]]], count: int, after: Cursor | None
) -> tuple[list[Resource], Cursor | None]:
    registry.check_params(ResourceType(static_type.name, (), static_type.search_params), params)
    resources = static_type.resources()
    for alternatives in params.get("_id", []):
        resources = [resource for resource in resources if resource["id"] in alternatives]
    start = after.key if after is not None else 0
    chosen = resources[start : start + count]
    more = start + count < len(resources)
    return chosen, Cursor(0, start + count) if more else None


def _search_derived(
    derived_type: DerivedType,
    scope: Scope,
    params: dict[str, list[list[str]]],
    count: int,
    after: Cursor | None,
    query: str,
) -> tuple[list[Resource], list[Resource], Cursor | None]:
    """A derived type's search: its bounded matches, paged by position (audited like any search)."""
    registry.check_params(ResourceType(derived_type.name, (), derived_type.search_params), params)
    matches = derived_type.search(scope, params)
    start = after.key if after is not None else 0
    page = matches[start : start + count]
    _audit(scope, derived_type.name, "search", query, page)
    next_cursor = Cursor(0, start + count) if start + count < len(matches) else None
    return [resource for _, _, resource in page], [], next_cursor


def patient_everything(
    user,
    patient_id: str,
    params: list[tuple[str, str]],
    count: int,
    after: Cursor | None,
    query: str,
    *,
    grant: SmartGrant | None = None,
) -> tuple[list[Resource], list[Resource], Cursor | None]:
    """One page of Patient/<id>/$everything: (matches, included, next cursor), audited as one export entry
    for the patient. 404 for a patient who is not the reader's to see (another clinic's, another patient's,
    not the one an app was launched with); an OAuth token's grant leaves out the types it does not cover."""
    asked = parse_export_params(params, known_types=set(REGISTRY), lenient=False)  # `_type` and `_since`
    _require_granted(grant, "Patient", READ)
    scope = scope_for(user, grant, "Patient")
    try:
        found = registry.read(REGISTRY["Patient"], scope, patient_id)
    except registry.NotVisible as exc:
        raise PermissionDenied("Your role may not read patients.") from exc
    if found is None:
        raise Http404(f"No Patient with id {patient_id!r}.")
    patient = found[1]
    types = set(asked.types) or None
    if grant is not None:
        types = {
            name
            for name in types or REGISTRY
            if grant.allows(name, SEARCH)
            # patient/ scopes cover the launched patient only
            and (patient.pk == grant.patient_id or not grant.compartment_only(name, SEARCH))
        }
    page = everything.everything_page(scope, patient.pk, types, asked.since, count, after)
    resources = [resource for _, _, resource in page.matches]
    record_event(
        scope.user,
        AuditAction.EXPORT,
        patient=patient,
        organisation=scope.user.organisation,
        object_type="fhir.patient",
        object_id=str(patient.pk),
        detail={
            "interface": "fhir",
            "interaction": "operation",
            "operation": "$everything",
            "query": query,
            "resources": [f"{r['resourceType']}/{r['id']}" for r in [*resources, *page.included]],
        },
    )
    return resources, page.included, page.next_cursor
