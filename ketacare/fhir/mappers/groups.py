"""Group: the patients of one location (`Group/location-<pk>`), the groups a Bulk Data `$export` runs on."""

from ketacare.accounts.domain.roles import Permission
from ketacare.clinics.models import Location
from ketacare.fhir.mappers import reference
from ketacare.fhir.registry import ResourceType, Scope, Source, register
from ketacare.patients.models import Patient

GROUP_SOURCE_KEY = "location"


def location_patients(location_id: int, organisation_id: int):
    """The ids of a location's patients (their home location), merged duplicates left out."""
    return Patient.objects.filter(
        organisation_id=organisation_id, home_location_id=location_id, merged_into__isnull=True
    ).values_list("pk", flat=True)


def group_resource(location: Location, scope: Scope) -> dict:
    members = location_patients(location.pk, scope.organisation_id).order_by("pk")
    resource = {
        "resourceType": "Group",
        "id": f"{GROUP_SOURCE_KEY}-{location.pk}",
        "type": "person",
        "actual": True,
        "name": f"Patients of {location.name}",
        "managingEntity": reference("Organization", location.organisation_id),
        "quantity": 0,
    }
    entries = [{"entity": reference("Patient", pk)} for pk in members.iterator()]
    resource["quantity"] = len(entries)
    if entries:
        resource["member"] = entries
    return resource


register(
    ResourceType(
        name="Group",
        documentation=(
            "The patients of each location (those whose home location it is): Group/location-<id>, "
            "for Group/<id>/$export."
        ),
        sources=(
            Source(
                key=GROUP_SOURCE_KEY,
                rows=lambda scope: Location.objects.filter(organisation_id=scope.organisation_id),
                to_resource=group_resource,
                patient_path=None,
                permission=Permission.PATIENT_VIEW,
                patients_may_read=False,
            ),
        ),
    )
)
