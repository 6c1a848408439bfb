"""REST endpoints of the patient registry (/api/v1/patients): the same actions and selectors as the pages."""

from decimal import Decimal

from ninja import Query, Router

from ketacare.lib.api import READ_ERRORS, WRITE_ERRORS, PathId, response_without_validation
from ketacare.patients import actions
from ketacare.patients.schemas import (
    AllergyIn,
    AllergyOut,
    DiagnosisIn,
    DiagnosisOut,
    EntryStatusIn,
    MedicationIn,
    MedicationOut,
    MedicationStatusIn,
    PatientIn,
    PatientMergeIn,
    PatientOut,
    PatientPatchIn,
    PatientRecordOut,
    PatientSummaryOut,
    PatientUnmergeIn,
    PossibleDuplicatesOut,
    StageIn,
    WeightIn,
    WeightOut,
    record_out,
)
from ketacare.patients.selectors import (
    access_chart_by_patient_id,
    access_possible_duplicates,
    search_patient_summaries,
)

router = Router(tags=["patients"])


def _patient_fields(payload) -> dict:
    """Only what the client sent; the location comes as an id."""
    fields = payload.dict(exclude_unset=True)
    if "home_location" in fields:
        fields["home_location_id"] = fields.pop("home_location")
    return fields


@router.get("", response={200: list[PatientSummaryOut], **READ_ERRORS})
def list_patients(request, q: str = ""):
    """Search by name prefix, date of birth (YYYY-MM-DD or MM/DD/YYYY), record number, phone or email
    (staff; audited)."""
    # The summaries are PatientSummaryOut's fields already (a test holds them equal): rendered as they are,
    # without ninja validating every field of every row again, which cost as much as the search (issue 19).
    return response_without_validation(request, search_patient_summaries(request.auth, q))


@router.post("", response={201: PatientOut, **WRITE_ERRORS, 409: PossibleDuplicatesOut})
def register_patient(request, payload: PatientIn, confirm_not_duplicate: bool = Query(False)):
    """409 with the possible duplicates (same name and birth date, email or phone) unless
    confirm_not_duplicate=true: nothing is created until then."""
    user = request.auth
    try:
        patient = actions.do_register_patient(
            user,
            organisation=user.organisation,
            confirm_not_duplicate=confirm_not_duplicate,
            **_patient_fields(payload),
        )
    except actions.PossibleDuplicatePatients as warning:
        detail = " ".join(warning.message_dict["confirm_not_duplicate"])
        return 409, {"detail": detail, "candidates": access_possible_duplicates(user, warning.candidate_ids)}
    return 201, patient


@router.get("/{patient_id}", response={200: PatientRecordOut, **READ_ERRORS})
def get_patient(request, patient_id: int = PathId):
    """The whole record (audited as a view). A patient may read only their own."""
    return record_out(access_chart_by_patient_id(request.auth, patient_id))


@router.patch("/{patient_id}", response={200: PatientOut, **WRITE_ERRORS})
def update_patient(request, payload: PatientPatchIn, patient_id: int = PathId):
    """Change demographics and contacts; only the fields sent change."""
    return actions.do_update_patient(request.auth, patient_id, **_patient_fields(payload))


@router.post("/{patient_id}/stage", response={200: PatientOut, **WRITE_ERRORS})
def change_stage(request, payload: StageIn, patient_id: int = PathId):
    return actions.do_change_patient_stage(request.auth, patient_id, stage=payload.stage, reason=payload.reason)


@router.post("/{patient_id}/merge", response={200: PatientOut, **WRITE_ERRORS})
def merge_patient(request, payload: PatientMergeIn, patient_id: int = PathId):
    """Merge this record into `survivor_id` (clinic admins): its rows move there; the survivor is returned."""
    return actions.do_merge_patients(
        request.auth, survivor_id=payload.survivor_id, duplicate_id=patient_id, reason=payload.reason
    )


@router.post("/{patient_id}/unmerge", response={200: PatientOut, **WRITE_ERRORS})
def unmerge_patient(request, payload: PatientUnmergeIn, patient_id: int = PathId):
    """Undo the merge of this record: exactly the rows the merge moved come back; the record is returned."""
    return actions.do_unmerge_patients(request.auth, duplicate_id=patient_id, reason=payload.reason)


@router.post("/{patient_id}/diagnoses", response={201: DiagnosisOut, **WRITE_ERRORS})
def add_diagnosis(request, payload: DiagnosisIn, patient_id: int = PathId):
    return 201, actions.do_add_diagnosis(request.auth, patient_id, **payload.dict())


@router.post("/{patient_id}/diagnoses/{diagnosis_id}/status", response={200: DiagnosisOut, **WRITE_ERRORS})
def change_diagnosis_status(request, payload: EntryStatusIn, patient_id: int = PathId, diagnosis_id: int = PathId):
    return actions.do_change_diagnosis_status(request.auth, patient_id, diagnosis_id, status=payload.status)


@router.post("/{patient_id}/allergies", response={201: AllergyOut, **WRITE_ERRORS})
def add_allergy(request, payload: AllergyIn, patient_id: int = PathId):
    return 201, actions.do_add_allergy(request.auth, patient_id, **payload.dict())


@router.post("/{patient_id}/allergies/{allergy_id}/status", response={200: AllergyOut, **WRITE_ERRORS})
def change_allergy_status(request, payload: EntryStatusIn, patient_id: int = PathId, allergy_id: int = PathId):
    return actions.do_change_allergy_status(request.auth, patient_id, allergy_id, status=payload.status)


@router.post("/{patient_id}/medications", response={201: MedicationOut, **WRITE_ERRORS})
def add_medication(request, payload: MedicationIn, patient_id: int = PathId):
    return 201, actions.do_add_medication(request.auth, patient_id, **payload.dict())


@router.post("/{patient_id}/medications/{medication_id}/status", response={200: MedicationOut, **WRITE_ERRORS})
def change_medication_status(
    request, payload: MedicationStatusIn, patient_id: int = PathId, medication_id: int = PathId
):
    return actions.do_change_medication_status(request.auth, patient_id, medication_id, **payload.dict())


@router.post("/{patient_id}/weights", response={201: WeightOut, **WRITE_ERRORS})
def record_weight(request, payload: WeightIn, patient_id: int = PathId):
    # Through str so 72.3 stays 72.3 rather than the float's 72.29999…
    weight_kg = Decimal(str(payload.weight_kg))
    return 201, actions.do_record_weight(request.auth, patient_id, weight_kg=weight_kg, measured_on=payload.measured_on)
