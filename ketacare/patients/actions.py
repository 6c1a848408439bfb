"""Every write to the patient registry: one transaction, one audit entry each.

Audit details name the fields that changed, never their values: the audit
trail is read by clinic admins who need to know who changed what, not to see
the record itself.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Organisation
from ketacare.patients.domain.records import format_record_number
from ketacare.patients.domain.status import (
    ALLERGY_TRANSITIONS,
    DIAGNOSIS_TRANSITIONS,
    MEDICATION_TRANSITIONS,
    transition_problem,
)
from ketacare.patients.models import (
    Allergy,
    Diagnosis,
    Medication,
    MedicationStatus,
    Patient,
    PatientRecordCounter,
    WeightMeasurement,
)
from ketacare.patients.selectors import access_patient_by_id

# What the registration and edit pages (and the API) may set; `stage` is a
# status change of its own.
DEMOGRAPHIC_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "preferred_name",
        "date_of_birth",
        "sex_at_birth",
        "gender_identity",
        "pronouns",
        "email",
        "phone",
        "address_line",
        "city",
        "region",
        "postal_code",
        "country",
        "emergency_contact_name",
        "emergency_contact_relationship",
        "emergency_contact_phone",
        "referring_clinician_name",
        "referring_clinician_practice",
        "referring_clinician_phone",
        "referring_clinician_email",
        "home_location",
    }
)
_PATIENT_SETTABLE = DEMOGRAPHIC_FIELDS | {"stage"}
# Checked by the actions themselves (the row was fetched through the selector).
_NOT_REVALIDATED = ["organisation", "record_number", "user"]
_ENTRY_NOT_REVALIDATED = ["patient", "recorded_by"]


def _next_record_number(organisation: Organisation) -> str:
    counter, _ = PatientRecordCounter.objects.get_or_create(organisation=organisation)
    # Row lock: two registrations at once never get the same number.
    counter = PatientRecordCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return format_record_number(counter.last_number)


def _patient_field_names(values: dict) -> dict[str, str]:
    """{given key: model field name}; 'home_location_id' and 'home_location' both name the location."""
    names, unknown = {}, {}
    for key in values:
        try:
            name = Patient._meta.get_field(key).name
        except FieldDoesNotExist:
            name = key
        if name in _PATIENT_SETTABLE:
            names[key] = name
        else:
            unknown[key] = "This field cannot be set here."
    if unknown:
        raise ValidationError(unknown)
    return names


def _filled(instance: models.Model, names) -> list[str]:
    """The field names that were given a value, for the audit detail."""
    return sorted(name for name in names if getattr(instance, instance._meta.get_field(name).attname) not in (None, ""))


@transaction.atomic
def do_register_patient(actor, *, organisation: Organisation, **fields) -> Patient:
    """Create a patient record in the actor's organisation.

    `fields` are Patient model fields (first_name, last_name, date_of_birth, ...);
    they are validated with full_clean(), so bad input raises ValidationError
    naming the field and nothing is written.
    """
    require_permission(actor, Permission.PATIENT_REGISTER)
    if organisation is None or actor.organisation_id != organisation.pk:
        raise PermissionDenied("Staff register patients only in their own organisation")
    names = _patient_field_names(fields)
    patient = Patient(organisation=organisation, record_number="pending", **fields)
    patient.full_clean(exclude=["record_number", "user"])
    patient.record_number = _next_record_number(organisation)
    patient.save(force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        patient,
        patient=patient,
        detail={"record_number": patient.record_number, "fields": _filled(patient, names.values())},
    )
    return patient


@transaction.atomic
def do_update_patient(actor, patient_id: int, **changes) -> Patient:
    """Change demographics, contacts, referrer, home location and/or stage.

    Only fields whose value actually changes are saved and audited: the
    demographic ones as one UPDATE entry, the stage as a STATUS_CHANGE entry.
    """
    require_permission(actor, Permission.PATIENT_EDIT_DEMOGRAPHICS)
    names = _patient_field_names(changes)
    patient = access_patient_by_id(actor, patient_id, audit=False)
    attnames = {name: Patient._meta.get_field(name).attname for name in set(names.values())}
    before = {name: getattr(patient, attname) for name, attname in attnames.items()}
    for key, value in changes.items():
        setattr(patient, key, value)
    # full_clean normalises (phone numbers to E.164), so compare after it.
    patient.full_clean(exclude=_NOT_REVALIDATED)
    changed = sorted(name for name, attname in attnames.items() if getattr(patient, attname) != before[name])
    if not changed:
        return patient
    patient.save(update_fields=[*changed, "updated_at"])
    demographic = [name for name in changed if name != "stage"]
    if demographic:
        record_event(actor, AuditAction.UPDATE, patient, patient=patient, detail={"fields": demographic})
    if "stage" in changed:
        record_event(actor, AuditAction.STATUS_CHANGE, patient, patient=patient, detail={"fields": ["stage"]})
    return patient


@transaction.atomic
def do_change_patient_stage(actor, patient_id: int, *, stage: str) -> Patient:
    """Move the patient to another care stage (audited as a status change)."""
    return do_update_patient(actor, patient_id, stage=stage)


def _add_entry(actor, entry: models.Model, patient: Patient, names: list[str]) -> None:
    entry.full_clean(exclude=_ENTRY_NOT_REVALIDATED)
    entry.save(force_insert=True)
    record_event(actor, AuditAction.CREATE, entry, patient=patient, detail={"fields": _filled(entry, names)})


def _locked_entry(related: models.Manager, entry_id: int):
    # Lock the row so two status changes at once cannot both pass the transition check.
    entry = related.select_for_update().filter(pk=entry_id).first()
    if entry is None:
        raise Http404("No such entry on this patient's record")
    return entry


def _change_status(actor, patient: Patient, entry, transitions, status: str, **also) -> None:
    problem = transition_problem(transitions, entry.status, status)
    if problem:
        raise ValidationError({"status": problem})
    entry.status = status
    for name, value in also.items():
        setattr(entry, name, value)
    entry.full_clean(exclude=_ENTRY_NOT_REVALIDATED)
    fields = ["status", *also]
    entry.save(update_fields=fields)
    record_event(actor, AuditAction.STATUS_CHANGE, entry, patient=patient, detail={"fields": fields})


def _patient_for_clinical_write(actor, patient_id: int) -> Patient:
    require_permission(actor, Permission.PATIENT_EDIT_CLINICAL)
    return access_patient_by_id(actor, patient_id, audit=False)


@transaction.atomic
def do_add_diagnosis(
    actor, patient_id: int, *, icd10_code: str, description: str, onset_date: dt.date | None = None
) -> Diagnosis:
    """Record a diagnosis; the code is checked and normalised to ICD-10-CM form ('f332' -> 'F33.2')."""
    patient = _patient_for_clinical_write(actor, patient_id)
    diagnosis = Diagnosis(
        patient=patient, recorded_by=actor, icd10_code=icd10_code, description=description, onset_date=onset_date
    )
    _add_entry(actor, diagnosis, patient, ["icd10_code", "description", "onset_date"])
    return diagnosis


@transaction.atomic
def do_change_diagnosis_status(actor, patient_id: int, diagnosis_id: int, *, status: str) -> Diagnosis:
    """Resolve, reactivate or mark a diagnosis as entered in error."""
    patient = _patient_for_clinical_write(actor, patient_id)
    diagnosis = _locked_entry(patient.diagnoses, diagnosis_id)
    _change_status(actor, patient, diagnosis, DIAGNOSIS_TRANSITIONS, status)
    return diagnosis


@transaction.atomic
def do_add_allergy(actor, patient_id: int, *, substance: str, reaction: str = "", severity: str = "") -> Allergy:
    patient = _patient_for_clinical_write(actor, patient_id)
    allergy = Allergy(patient=patient, recorded_by=actor, substance=substance, reaction=reaction, severity=severity)
    _add_entry(actor, allergy, patient, ["substance", "reaction", "severity"])
    return allergy


@transaction.atomic
def do_change_allergy_status(actor, patient_id: int, allergy_id: int, *, status: str) -> Allergy:
    """Mark an allergy inactive, active again, or entered in error."""
    patient = _patient_for_clinical_write(actor, patient_id)
    allergy = _locked_entry(patient.allergies, allergy_id)
    _change_status(actor, patient, allergy, ALLERGY_TRANSITIONS, status)
    return allergy


@transaction.atomic
def do_add_medication(
    actor, patient_id: int, *, name: str, dose: str = "", frequency: str = "", started_on: dt.date | None = None
) -> Medication:
    """Record a medicine the patient currently takes."""
    patient = _patient_for_clinical_write(actor, patient_id)
    medication = Medication(
        patient=patient, recorded_by=actor, name=name, dose=dose, frequency=frequency, started_on=started_on
    )
    _add_entry(actor, medication, patient, ["name", "dose", "frequency", "started_on"])
    return medication


@transaction.atomic
def do_change_medication_status(
    actor, patient_id: int, medication_id: int, *, status: str, stopped_on: dt.date | None = None
) -> Medication:
    """Stop a medication (with the date it stopped) or mark it entered in error."""
    patient = _patient_for_clinical_write(actor, patient_id)
    medication = _locked_entry(patient.medications, medication_id)
    also = {"stopped_on": stopped_on} if status == MedicationStatus.STOPPED else {}
    _change_status(actor, patient, medication, MEDICATION_TRANSITIONS, status, **also)
    return medication


@transaction.atomic
def do_record_weight(actor, patient_id: int, *, weight_kg: Decimal, measured_on: dt.date) -> WeightMeasurement:
    """Record a body weight (30–300 kg) measured on a date that is not in the future."""
    patient = _patient_for_clinical_write(actor, patient_id)
    weight = WeightMeasurement(patient=patient, recorded_by=actor, weight_kg=weight_kg, measured_on=measured_on)
    _add_entry(actor, weight, patient, ["weight_kg", "measured_on"])
    return weight
