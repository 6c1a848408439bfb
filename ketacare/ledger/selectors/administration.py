"""Reads for drawing a dose: the stock items it can come from, the patient it is given to."""

from django.db.models import QuerySet

from ketacare.clinics.models import Location
from ketacare.ledger.models import Vial
from ketacare.ledger.selectors.stock import access_location, location_today
from ketacare.lib.ids import db_id_or_zero
from ketacare.patients.models import Patient


def available_vials(user, location, drug: str) -> QuerySet[Vial]:
    """Stock items at `location` of `drug` that can be drawn from: not expired, balance above zero,
    soonest expiry first. `location` is a Location or its id."""
    location_id = location.pk if isinstance(location, Location) else location
    location = access_location(user, location_id)
    return (
        Vial.objects.filter(
            organisation_id=user.organisation_id,
            location=location,
            product__drug=drug,
            balance_mg__gt=0,
            expiry_date__gte=location_today(location),
        )
        .select_related("product", "location")
        .order_by("expiry_date", "identifier")
    )


def patient_by_id(user, patient_id) -> Patient | None:
    """A patient of the user's organisation, or None, for an entry that names them. Not audited as
    a read: the booking that names the patient is audited."""
    return Patient.objects.filter(pk=db_id_or_zero(patient_id), organisation_id=user.organisation_id).first()
