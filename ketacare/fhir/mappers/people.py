"""Patient, RelatedPerson (emergency contact), Practitioner, PractitionerRole, Organization and Location."""

from django.db.models import Q

from ketacare.accounts.domain.roles import ROLE_LABELS, STAFF_ROLES, Permission, Role
from ketacare.accounts.models import User
from ketacare.clinics.models import Location, Organisation
from ketacare.fhir.domain import codes
from ketacare.fhir.domain.search import Token
from ketacare.fhir.mappers import concept, reference, with_meta, without_empty
from ketacare.fhir.mappers.filters import any_of, choice_token, date_filter, token_filter
from ketacare.fhir.registry import (
    PATIENT_PARAM,
    ResourceType,
    Scope,
    SearchParam,
    Source,
    patient_filter,
    register,
    row_id,
)
from ketacare.patients.domain.names import search_key
from ketacare.patients.models import Patient

# Patient.sex_at_birth → FHIR administrative gender (R4 value set administrative-gender).
GENDER = {"female": "female", "male": "male", "intersex": "other", "unknown": "unknown", "": "unknown"}


def _telecom(phone: str, email: str = "", use: str = "") -> list[dict]:
    points = []
    if phone:
        points.append({"system": "phone", "value": phone, **({"use": use} if use else {})})
    if email:
        points.append({"system": "email", "value": email})
    return points


def patient_resource(patient: Patient, scope: Scope) -> dict:
    names = [{"use": "official", "family": patient.last_name, "given": [patient.first_name]}]
    if patient.preferred_name:
        names.append({"use": "usual", "given": [patient.preferred_name]})
    address = without_empty(
        {
            "line": [patient.address_line] if patient.address_line else None,
            "city": patient.city,
            "state": patient.region,
            "postalCode": patient.postal_code,
            "country": patient.country,
        }
    )
    contact = None
    if patient.emergency_contact_name:
        contact = [
            without_empty(
                {
                    "relationship": [
                        concept("http://terminology.hl7.org/CodeSystem/v2-0131", "C", "Emergency Contact"),
                        *(
                            [{"text": patient.emergency_contact_relationship}]
                            if patient.emergency_contact_relationship
                            else []
                        ),
                    ],
                    "name": {"text": patient.emergency_contact_name},
                    "telecom": _telecom(patient.emergency_contact_phone),
                }
            )
        ]
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [
            {
                "use": "usual",
                "type": concept(codes.V2_IDENTIFIER_TYPE, "MR", "Medical record number"),
                "system": codes.identifier_system(scope.organisation_slug, "record-number"),
                "value": patient.record_number,
            }
        ],
        "active": True,
        "name": names,
        "telecom": _telecom(patient.phone, patient.email, use="mobile"),
        "gender": GENDER.get(patient.sex_at_birth, "unknown"),
        "birthDate": patient.date_of_birth.isoformat(),
        "address": [address] if address.keys() - {"country"} else None,
        "contact": contact,
        "generalPractitioner": None,
        "managingOrganization": reference("Organization", patient.organisation_id),
    }
    return with_meta(without_empty(resource), codes.PROFILE_PATIENT)


def _name_prefix(*key_fields: str, preferred: bool = False):
    """FHIR string search: the value starts a name, compared as the registry indexes names (search_key)."""

    def build(value: str) -> Q:
        key = search_key(value)
        condition = Q(preferred_name__istartswith=value.strip()) if preferred else Q(pk__in=[])
        for name_field in key_fields:
            condition |= Q(**{f"{name_field}__startswith": key})
        return condition

    return any_of(build)


def _identifier(token: Token, scope_system_suffix: str = "/record-number") -> Q:
    if token.system not in (None, "") and not token.system.endswith(scope_system_suffix):
        return Q(pk__in=[])
    return Q(record_number=token.code)


register(
    ResourceType(
        name="Patient",
        profiles=(codes.PROFILE_PATIENT,),
        documentation="The registry's patients (merged duplicates are left out).",
        search_params=(
            SearchParam("identifier", "token", "The record number (KC-000123), system the clinic's record-number."),
            SearchParam("name", "string", "Starts a given, family or preferred name (accents and case ignored)."),
            SearchParam("family", "string", "Starts the family name."),
            SearchParam("given", "string", "Starts the given name."),
            SearchParam("birthdate", "date", "The date of birth."),
            SearchParam("gender", "token", "Administrative gender from the sex recorded at birth."),
        ),
        sources=(
            Source(
                key="",
                rows=lambda scope: Patient.objects.filter(
                    organisation_id=scope.organisation_id, merged_into__isnull=True
                ).filter(**({"pk": scope.patient_id} if scope.patient_id else {})),
                to_resource=patient_resource,
                patient_path=None,
                permission=Permission.PATIENT_VIEW,
                filters={
                    "identifier": token_filter("identifier", _identifier),
                    "name": _name_prefix("first_name_key", "last_name_key", preferred=True),
                    "family": _name_prefix("last_name_key"),
                    "given": _name_prefix("first_name_key"),
                    "birthdate": date_filter("birthdate", "date_of_birth", is_date=True),
                    "gender": choice_token(
                        "gender",
                        "sex_at_birth",
                        "http://hl7.org/fhir/administrative-gender",
                        {"female": "female", "male": "male", "other": "intersex", "unknown": ["unknown", ""]},
                    ),
                },
            ),
        ),
    )
)


def _staff(scope: Scope):
    return User.objects.filter(organisation_id=scope.organisation_id, role__in=STAFF_ROLES)


def practitioner_resource(user: User, scope: Scope) -> dict:
    name = without_empty({"family": user.last_name, "given": [user.first_name] if user.first_name else None})
    if not name:
        name = {"text": user.username}
    if user.title:
        name["suffix"] = [user.title]
    resource = {
        "resourceType": "Practitioner",
        "id": str(user.pk),
        "identifier": [{"system": codes.identifier_system(scope.organisation_slug, "staff"), "value": user.username}],
        "active": user.is_active,
        "name": [name],
        "telecom": _telecom("", user.email, use="work"),
    }
    # US Core asks for a family name: only staff with one conform.
    return with_meta(without_empty(resource), codes.PROFILE_PRACTITIONER if user.last_name else None)


def practitioner_role_resource(user: User, scope: Scope) -> dict:
    return without_empty(
        {
            "resourceType": "PractitionerRole",
            "id": str(user.pk),
            "active": user.is_active,
            "practitioner": reference("Practitioner", user.pk, user.display_name),
            "organization": reference("Organization", scope.organisation_id),
            "code": [concept(codes.ROLE_SYSTEM, user.role, ROLE_LABELS[Role(user.role)])],
            "location": [reference("Location", location.pk, location.name) for location in user.work_locations.all()],
            "telecom": _telecom("", user.email, use="work"),
        }
    )


register(
    ResourceType(
        name="Practitioner",
        profiles=(codes.PROFILE_PRACTITIONER,),
        documentation="Staff members of the clinic (US Core profile claimed when a family name is recorded).",
        search_params=(SearchParam("name", "string", "Starts the given or family name."),),
        sources=(
            Source(
                key="",
                rows=_staff,
                to_resource=practitioner_resource,
                patient_path=None,
                permission=Permission.SCHEDULE_VIEW,
                patients_may_read=False,
                filters={"name": any_of(lambda v: Q(first_name__istartswith=v) | Q(last_name__istartswith=v))},
            ),
        ),
    )
)

register(
    ResourceType(
        name="PractitionerRole",
        documentation="Each staff member's role in the clinic and the locations they work at.",
        search_params=(SearchParam("practitioner", "reference", "The staff member (Practitioner/<id>)."),),
        sources=(
            Source(
                key="",
                rows=lambda scope: _staff(scope).prefetch_related("work_locations"),
                to_resource=practitioner_role_resource,
                patient_path=None,
                permission=Permission.SCHEDULE_VIEW,
                patients_may_read=False,
                filters={"practitioner": any_of(lambda value: Q(pk=row_id(value.rpartition("/")[2])))},
            ),
        ),
    )
)


def organization_resource(organisation: Organisation, scope: Scope) -> dict:
    resource = {
        "resourceType": "Organization",
        "id": str(organisation.pk),
        "identifier": [{"system": f"{codes.KETACARE_FHIR}/sid/organisation", "value": organisation.slug}],
        "active": True,
        "name": organisation.name,
        "telecom": [
            point
            for point in (
                {"system": "phone", "value": organisation.phone} if organisation.phone else None,
                {"system": "email", "value": organisation.email} if organisation.email else None,
                {"system": "url", "value": organisation.website} if organisation.website else None,
            )
            if point
        ],
    }
    return with_meta(without_empty(resource), codes.PROFILE_ORGANIZATION)


def location_resource(location: Location, scope: Scope) -> dict:
    resource = {
        "resourceType": "Location",
        "id": str(location.pk),
        "status": "active" if location.is_active else "inactive",
        "name": location.name,
        # FHIR R4 has no time-zone element (R5's hoursOfOperation gains one); the description carries it.
        "description": f"Time zone: {location.time_zone}",
        "telecom": _telecom(location.phone, use="work"),
        "address": {"text": location.address} if location.address else None,
        "managingOrganization": reference("Organization", location.organisation_id),
    }
    return with_meta(without_empty(resource), codes.PROFILE_LOCATION)


register(
    ResourceType(
        name="Organization",
        profiles=(codes.PROFILE_ORGANIZATION,),
        documentation="The clinic itself (the reader's own organisation only).",
        search_params=(SearchParam("name", "string", "Starts the name."),),
        sources=(
            Source(
                key="",
                rows=lambda scope: Organisation.objects.filter(pk=scope.organisation_id),
                to_resource=organization_resource,
                patient_path=None,
                filters={"name": any_of(lambda v: Q(name__istartswith=v))},
            ),
        ),
    )
)

register(
    ResourceType(
        name="Location",
        profiles=(codes.PROFILE_LOCATION,),
        documentation="The clinic's locations, archived ones as inactive.",
        search_params=(SearchParam("name", "string", "Starts the name."),),
        sources=(
            Source(
                key="",
                rows=lambda scope: Location.objects.filter(organisation_id=scope.organisation_id),
                to_resource=location_resource,
                patient_path=None,
                filters={"name": any_of(lambda v: Q(name__istartswith=v))},
            ),
        ),
    )
)


def emergency_contact_resource(patient: Patient, scope: Scope) -> dict:
    relationship = [concept("http://terminology.hl7.org/CodeSystem/v2-0131", "C", "Emergency Contact")]
    if patient.emergency_contact_relationship:
        relationship.append({"text": patient.emergency_contact_relationship})
    return without_empty(
        {
            "resourceType": "RelatedPerson",
            "id": f"emergency-{patient.pk}",
            "active": True,
            "patient": reference("Patient", patient.pk),
            "relationship": relationship,
            "name": [{"text": patient.emergency_contact_name}],
            "telecom": _telecom(patient.emergency_contact_phone),
        }
    )


register(
    ResourceType(
        name="RelatedPerson",
        documentation="Each patient's emergency contact (id emergency-<patient id>), as on the chart.",
        search_params=(PATIENT_PARAM,),
        sources=(
            Source(
                key="emergency",
                # The row is the patient; their compartment is the row itself.
                rows=lambda scope: (
                    Patient.objects.filter(organisation_id=scope.organisation_id, merged_into__isnull=True)
                    .exclude(emergency_contact_name="")
                    .filter(**({"pk": scope.patient_id} if scope.patient_id else {}))
                ),
                to_resource=emergency_contact_resource,
                patient_path=None,
                permission=Permission.PATIENT_VIEW,
                filters={"patient": patient_filter("pk")},
            ),
        ),
    )
)
