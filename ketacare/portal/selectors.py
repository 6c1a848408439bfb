"""The signed-in patient's own record, read through the patient registry's access rules."""

from dataclasses import dataclass

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.clinics.models import ClinicPage
from ketacare.clinics.selectors import published_pages
from ketacare.patients.models import (
    Allergy,
    AllergyStatus,
    Medication,
    MedicationStatus,
    Patient,
    WeightMeasurement,
)
from ketacare.patients.selectors import access_patient_by_id

RECENT_WEIGHTS = 5


@dataclass(frozen=True)
class OwnRecord:
    patient: Patient
    medications: list[Medication]
    allergies: list[Allergy]
    weights: list[WeightMeasurement]
    pages: list[ClinicPage]


def access_own_record_by_user(user) -> OwnRecord | None:
    """What the portal home shows; None when no patient record is linked to this account.

    The record itself comes through access_patient_by_id, which checks access
    and writes the audit entry for the view.
    """
    require_permission(user, Permission.OWN_RECORD_VIEW)
    try:
        patient_id = user.patient_record.pk
    except Patient.DoesNotExist:
        return None
    patient = access_patient_by_id(user, patient_id)
    return OwnRecord(
        patient=patient,
        medications=list(patient.medications.filter(status=MedicationStatus.ACTIVE)),
        allergies=list(patient.allergies.filter(status=AllergyStatus.ACTIVE)),
        weights=list(patient.weights.all()[:RECENT_WEIGHTS]),
        pages=published_pages(patient.organisation),
    )
