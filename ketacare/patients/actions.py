"""Every write to the patient registry: one transaction, one audit entry each."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Organisation
from ketacare.patients.models import Patient, PatientRecordCounter

RECORD_NUMBER_PREFIX = "KC-"


def _next_record_number(organisation: Organisation) -> str:
    counter, _ = PatientRecordCounter.objects.get_or_create(organisation=organisation)
    # Row lock: two registrations at once never get the same number.
    counter = PatientRecordCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{RECORD_NUMBER_PREFIX}{counter.last_number:06d}"


@transaction.atomic
def do_register_patient(actor, *, organisation: Organisation, **fields) -> Patient:
    """Create a patient record in the actor's organisation.

    `fields` are Patient model fields (first_name, last_name, date_of_birth, ...);
    they are validated with full_clean(), so bad input raises ValidationError
    naming the field and nothing is written.
    """
    require_permission(actor, Permission.PATIENT_REGISTER)
    if actor.organisation_id != organisation.pk:
        raise PermissionDenied("Staff register patients only in their own organisation")
    patient = Patient(organisation=organisation, record_number="pending", **fields)
    patient.full_clean(exclude=["record_number", "user"])
    patient.record_number = _next_record_number(organisation)
    patient.save(force_insert=True)
    record_event(actor, AuditAction.CREATE, patient, patient=patient,
                 detail={"record_number": patient.record_number})
    return patient
