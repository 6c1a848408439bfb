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

from ketacare.accounts.domain.roles import Permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.fhir import registry
from ketacare.fhir.domain.search import Cursor
from ketacare.fhir.registry import REGISTRY, STATIC, Page, Resource, ResourceType, Scope, StaticType
from ketacare.patients.models import Patient


def scope_for(user) -> Scope:
    """The reader's scope; PermissionDenied for anyone who may read nothing here."""
    organisation = user.organisation if user.organisation_id else None
    if organisation is None:
        raise PermissionDenied("Your account belongs to no clinic.")
    if user.may(Permission.OWN_RECORD_VIEW):
        patient_id = Patient.objects.filter(user=user, merged_into__isnull=True).values_list("pk", flat=True).first()
        if patient_id is None:
            raise PermissionDenied("Your account is linked to no patient record.")
        return Scope(user, organisation.pk, organisation.slug, patient_id=patient_id)
    if not user.is_staff_member:
        raise PermissionDenied("Your role may not read records here.")
    return Scope(user, organisation.pk, organisation.slug)


def resource_type_named(name: str) -> ResourceType | StaticType:
    found = REGISTRY.get(name) or STATIC.get(name)
    if found is None:
        raise Http404(f"This server does not serve {name!r} resources (see /fhir/metadata).")
    return found


def _require_readable(resource_type: ResourceType | StaticType, scope: Scope) -> None:
    if isinstance(resource_type, ResourceType) and not registry.readable(resource_type, scope):
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


def access_resource(user, type_name: str, resource_id: str) -> Resource:
    """One resource the reader may see (audited); 404 when it is not theirs to see, 403 for a barred kind."""
    scope = scope_for(user)
    resource_type = resource_type_named(type_name)
    _require_readable(resource_type, scope)
    if isinstance(resource_type, StaticType):
        for resource in resource_type.resources():
            if resource["id"] == resource_id:
                return resource
        raise Http404(f"No {type_name} with id {resource_id!r}.")
    try:
        found = registry.read(resource_type, scope, resource_id)
    except registry.NotVisible as exc:
        raise PermissionDenied(f"Your role may not read this kind of {type_name}.") from exc
    if found is None:
        raise Http404(f"No {type_name} with id {resource_id!r}.")
    _audit(scope, type_name, "read", f"{type_name}/{resource_id}", [found])
    return found[2]


def search_resources(
    user, type_name: str, params: dict[str, list[list[str]]], count: int, after: Cursor | None, query: str
) -> tuple[list[Resource], Cursor | None]:
    """One page of a search (audited): the resources and the cursor of the next page, if any."""
    scope = scope_for(user)
    resource_type = resource_type_named(type_name)
    _require_readable(resource_type, scope)
    if isinstance(resource_type, StaticType):
        return _search_static(resource_type, params, count, after)
    page: Page = registry.search(resource_type, scope, params, count, after)
    _audit(scope, type_name, "search", query, page.resources)
    return [resource for _, _, resource in page.resources], page.next_cursor


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
