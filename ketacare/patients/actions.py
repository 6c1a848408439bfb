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
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Organisation
from ketacare.lib.text import clean_reason
from ketacare.patients.domain.records import format_record_number
from ketacare.patients.domain.status import (
    ALLERGY_TRANSITIONS,
    AUTOMATIC_STAGE_MOVES,
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
from ketacare.patients.relations import (
    MERGE,
    UNMERGE,
    RowsRefused,
    check_moved_rows,
    merge_conflicts,
    move_rows,
    move_rows_back,
)
from ketacare.patients.selectors import access_patient_by_id, duplicate_candidates, merge_entry_of

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


class PossibleDuplicatePatients(ValidationError):
    """Registration stopped: the clinic has records that may be the same person (`candidate_ids`). Nothing
    was written; the page and the API show them (selectors.access_possible_duplicates) and register only
    when the user confirms it is someone else (confirm_not_duplicate=True)."""

    def __init__(self, candidates: list[Patient]):
        numbers = ", ".join(candidate.record_number for candidate in candidates)
        super().__init__(
            {
                "confirm_not_duplicate": (
                    f"This may be a patient already registered ({numbers}: the same name and date of birth, "
                    "email or phone). Open the record to check; if this is someone else, confirm to register anyway."
                )
            }
        )
        self.candidate_ids = [candidate.pk for candidate in candidates]


@transaction.atomic
def do_register_patient(actor, *, organisation: Organisation, confirm_not_duplicate: bool = False, **fields) -> Patient:
    """Create a patient record in the actor's organisation.

    `fields` are Patient model fields (first_name, last_name, date_of_birth, ...);
    they are validated with full_clean(), so bad input raises ValidationError
    naming the field and nothing is written. A live record with the same name and birth date, email
    or phone raises PossibleDuplicatePatients unless `confirm_not_duplicate` (then audited with it).
    """
    require_permission(actor, Permission.PATIENT_REGISTER)
    if organisation is None or actor.organisation_id != organisation.pk:
        raise PermissionDenied("Staff register patients only in their own organisation")
    names = _patient_field_names(fields)
    patient = Patient(organisation=organisation, record_number="pending", **fields)
    patient.full_clean(exclude=["record_number", "user"])
    # After full_clean, which normalised the phone number to E.164 as stored.
    candidates = duplicate_candidates(
        organisation.pk,
        first_name=patient.first_name,
        last_name=patient.last_name,
        date_of_birth=patient.date_of_birth,
        email=patient.email,
        phone=patient.phone,
    )
    if candidates and not confirm_not_duplicate:
        raise PossibleDuplicatePatients(candidates)
    patient.record_number = _next_record_number(organisation)
    patient.save(force_insert=True)
    detail: dict = {"record_number": patient.record_number, "fields": _filled(patient, names.values())}
    if candidates:
        detail["confirmed_not_duplicate_of"] = [candidate.record_number for candidate in candidates]
    record_event(actor, AuditAction.CREATE, patient, patient=patient, detail=detail)
    return patient


@transaction.atomic
def do_update_patient(actor, patient_id: int, *, stage_reason: str = "", **changes) -> Patient:
    """Change demographics, contacts, referrer, home location and/or stage.

    Only fields whose value actually changes are saved and audited: the
    demographic ones as one UPDATE entry, the stage as a STATUS_CHANGE entry
    with its reason (required: the actions move the stage themselves, so a
    change by hand says why).
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
    if "stage" in changed:
        stage_reason = clean_reason(stage_reason, field="stage_reason")
    patient.save(update_fields=[*changed, "updated_at"])
    demographic = [name for name in changed if name != "stage"]
    if demographic:
        record_event(actor, AuditAction.UPDATE, patient, patient=patient, detail={"fields": demographic})
    if "stage" in changed:
        record_event(
            actor,
            AuditAction.STATUS_CHANGE,
            patient,
            patient=patient,
            detail={"fields": ["stage"], "from": before["stage"], "to": patient.stage, "reason": stage_reason},
        )
    return patient


@transaction.atomic
def do_change_patient_stage(actor, patient_id: int, *, stage: str, reason: str) -> Patient:
    """Move the patient to another care stage by hand, with the reason (audited as a status change)."""
    return do_update_patient(actor, patient_id, stage=stage, stage_reason=reason)


def advance_patient_stage(actor, patient: Patient, stage: str, *, because: str) -> bool:
    """The journey moved on (domain/status.py AUTOMATIC_STAGE_MOVES says which action moves the stage where):
    called inside that action's transaction, which checked its own permission. Moves only forward along
    the journey; audited as a status change naming its cause. True when the stage changed."""
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    if locked.stage not in AUTOMATIC_STAGE_MOVES[stage]:
        return False
    before = locked.stage
    locked.stage = patient.stage = stage
    locked.save(update_fields=["stage", "updated_at"])
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        locked,
        patient=locked,
        detail={"fields": ["stage"], "from": before, "to": stage, "reason": because, "automatic": True},
    )
    return True


# ---------------------------------------------------------------- merging duplicate records


def _locked_pair(actor, first_id: int, second_id: int) -> dict[int, Patient]:
    """Both records of the actor's organisation, locked (in id order, so two merges never deadlock):
    no row can be added to either while their rows move. 404 for a record the actor cannot see."""
    ids = sorted({first_id, second_id})
    found = {
        patient.pk: patient
        for patient in Patient.objects.select_for_update()
        .filter(pk__in=ids, organisation_id=actor.organisation_id)
        .order_by("pk")
    }
    if len(found) != len(ids):
        raise Http404("No such patient")
    return found


@transaction.atomic
def do_merge_patients(actor, *, survivor_id: int, duplicate_id: int, reason: str) -> Patient:
    """Merge a duplicate record into the survivor (clinic admins): every row that points at the
    duplicate (relations.py finds them, whatever app holds them) moves to the survivor, the duplicate
    is marked merged (it leaves lists and search; its address leads to the survivor), and the audit
    entry lists each moved row (model, field, ids) so do_unmerge_patients can move exactly those back.
    Refused, naming the conflict, where a one-to-one or unique rule would be broken. Append-only rows
    (audit trail, ledger) keep pointing at the record they were written for."""
    require_permission(actor, Permission.PATIENT_MERGE)
    reason = clean_reason(reason, field="reason")
    if survivor_id == duplicate_id:
        raise ValidationError({"survivor_id": "A record cannot be merged into itself: choose the other record."})
    patients = _locked_pair(actor, survivor_id, duplicate_id)
    survivor, duplicate = patients[survivor_id], patients[duplicate_id]
    if duplicate.merged_into_id is not None:
        raise ValidationError({"duplicate_id": "This record was already merged into another."})
    if survivor.merged_into_id is not None:
        raise ValidationError(
            {"survivor_id": f"{survivor.record_number} was itself merged into another record: choose that one."}
        )
    conflicts = merge_conflicts(duplicate.pk, survivor.pk)
    if duplicate.user_id and survivor.user_id:
        conflicts.append("Portal accounts: both records have one and a record has only one")
    if conflicts:
        raise ValidationError({"survivor_id": [f"Cannot merge: {conflict}." for conflict in conflicts]})
    try:
        moved = move_rows(duplicate.pk, survivor.pk)
    except RowsRefused as refused:
        raise ValidationError(
            {"survivor_id": f"Cannot merge: the database refused moving {refused.relation_title.lower()}."}
        ) from refused
    portal_user_id = duplicate.user_id
    if portal_user_id:  # the patient's portal account follows their history (a record has one)
        duplicate.user = None
        duplicate.save(update_fields=["user", "updated_at"])
        survivor.user_id = portal_user_id
        survivor.save(update_fields=["user", "updated_at"])
    duplicate.merged_into, duplicate.merged_at = survivor, timezone.now()
    duplicate.save(update_fields=["merged_into", "merged_at", "updated_at"])
    merge_entry = record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        duplicate,
        patient=duplicate,
        detail={
            "change": MERGE,
            "fields": ["merged_into"],
            "merged_into": survivor.pk,
            "survivor_record_number": survivor.record_number,
            "moved": moved,
            "portal_user_id": portal_user_id,
            "reason": reason,
        },
    )
    record_event(
        actor,
        AuditAction.UPDATE,
        survivor,
        patient=survivor,
        detail={
            "change": MERGE,
            "merged_from": duplicate.pk,
            "duplicate_record_number": duplicate.record_number,
            "merge_entry_id": merge_entry.pk,
            "rows": sum(len(item["ids"]) for item in moved),
            "reason": reason,
        },
    )
    return survivor


@transaction.atomic
def do_unmerge_patients(actor, *, duplicate_id: int, reason: str) -> Patient:
    """Undo a merge (clinic admins): move exactly the rows its audit entry lists back from the survivor
    to the duplicate, which becomes a live record again. Rows added to the survivor since stay with it.
    Refused while the survivor is itself merged (undo that merge first) or when a listed row has moved on."""
    require_permission(actor, Permission.PATIENT_MERGE)
    reason = clean_reason(reason, field="reason")
    duplicate = Patient.objects.filter(pk=duplicate_id, organisation_id=actor.organisation_id).first()
    if duplicate is None:
        raise Http404("No such patient")
    if duplicate.merged_into_id is None:
        raise ValidationError({"duplicate_id": "This record is not merged into another."})
    patients = _locked_pair(actor, duplicate.merged_into_id, duplicate.pk)
    survivor, duplicate = patients[duplicate.merged_into_id], patients[duplicate.pk]
    if survivor.merged_into_id is not None:
        raise ValidationError(
            {"duplicate_id": f"{survivor.record_number} was merged into another record since: undo that merge first."}
        )
    merge_entry = merge_entry_of(duplicate)
    if merge_entry is None:
        raise ValidationError(
            {"duplicate_id": "The audit trail has no entry for this merge: it cannot be undone here."}
        )
    moved = merge_entry.detail.get("moved", [])
    problems = check_moved_rows(moved, survivor.pk)
    if problems:
        raise ValidationError({"duplicate_id": [f"Cannot undo the merge: {problem}." for problem in problems]})
    try:
        moved_back = move_rows_back(moved, survivor.pk, duplicate.pk)
    except RowsRefused as refused:
        raise ValidationError(
            {"duplicate_id": f"Cannot undo the merge: the database refused moving {refused.relation_title.lower()}."}
        ) from refused
    portal_user_id = merge_entry.detail.get("portal_user_id")
    portal_back = bool(portal_user_id) and survivor.user_id == portal_user_id
    if portal_back:
        survivor.user = None
        survivor.save(update_fields=["user", "updated_at"])
        duplicate.user_id = portal_user_id
    duplicate.merged_into, duplicate.merged_at = None, None
    duplicate.save(update_fields=["merged_into", "merged_at", "user", "updated_at"])
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        duplicate,
        patient=duplicate,
        detail={
            "change": UNMERGE,
            "fields": ["merged_into"],
            "merge_entry_id": merge_entry.pk,
            "unmerged_from": survivor.pk,
            "moved_back": {key: back.ids for key, back in moved_back.items()},
            "missing": {key: back.missing for key, back in moved_back.items() if back.missing},
            "portal_user_id": portal_user_id if portal_back else None,
            "reason": reason,
        },
    )
    record_event(
        actor,
        AuditAction.UPDATE,
        survivor,
        patient=survivor,
        detail={"change": UNMERGE, "unmerged": duplicate.pk, "merge_entry_id": merge_entry.pk, "reason": reason},
    )
    return duplicate


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
