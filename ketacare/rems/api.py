"""REST endpoints of esketamine REMS (/api/v1/rems): the same actions and selectors as the pages."""

from ninja import Router

from ketacare.lib.api import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.rems import actions
from ketacare.rems.domain.form import FIELD_LABELS
from ketacare.rems.schemas import (
    CertificationIn,
    CertificationOut,
    DashboardOut,
    EnrollmentIn,
    EnrollmentOut,
    FormChangeIn,
    FormOut,
    SubmittedIn,
    WithdrawIn,
    dashboard_out,
)
from ketacare.rems.selectors import (
    access_form_by_id,
    access_patient_rems_by_patient_id,
    certifications_of,
    rems_dashboard,
)

router = Router(tags=["rems"])


def form_out(form) -> dict:
    values = actions.form_values(form)
    return {
        **{name: getattr(form, name) for name in FormOut.model_fields if name != "missing"},
        "missing": [name for name in FIELD_LABELS if values.get(name) in (None, "")],
    }


@router.get("/dashboard", response={200: DashboardOut, **LIST_ERRORS})
def dashboard(request):
    """Monitoring forms not yet submitted: due within the deadline, and overdue; locations' certification."""
    return dashboard_out(rems_dashboard(request.auth))


@router.get("/certifications", response={200: list[CertificationOut], **LIST_ERRORS})
def list_certifications(request):
    return certifications_of(request.auth)


@router.post("/certifications", response={201: CertificationOut, **WRITE_ERRORS})
def record_certification(request, payload: CertificationIn):
    """A location's REMS certification (prescribers, clinic admins)."""
    return 201, actions.do_record_certification(request.auth, **payload.dict())


@router.post("/certifications/{certification_id}/withdraw", response={200: CertificationOut, **WRITE_ERRORS})
def withdraw_certification(request, payload: WithdrawIn, certification_id: int = PathId):
    return actions.do_withdraw_certification(request.auth, certification_id, reason=payload.reason)


@router.get("/patients/{patient_id}/enrollments", response={200: list[EnrollmentOut], **READ_ERRORS})
def list_enrollments(request, patient_id: int = PathId):
    return access_patient_rems_by_patient_id(request.auth, patient_id).enrollments


@router.post("/patients/{patient_id}/enrollments", response={201: EnrollmentOut, **WRITE_ERRORS})
def enroll(request, payload: EnrollmentIn, patient_id: int = PathId):
    """Record the patient's REMS enrollment (needed before the first esketamine session)."""
    return 201, actions.do_enroll_patient(request.auth, patient_id, **payload.dict())


@router.post("/patients/{patient_id}/enrollments/withdraw", response={200: EnrollmentOut, **WRITE_ERRORS})
def withdraw_enrollment(request, payload: WithdrawIn, patient_id: int = PathId):
    return actions.do_withdraw_enrollment(request.auth, patient_id, reason=payload.reason)


@router.post("/sessions/{session_id}/form", response={201: FormOut, **WRITE_ERRORS})
def form_from_session(request, session_id: int = PathId):
    """The session's monitoring form filled from its chart (the existing one if already made)."""
    return 201, form_out(actions.do_create_form_from_session(request.auth, session_id))


@router.get("/forms/{form_id}", response={200: FormOut, **READ_ERRORS})
def get_form(request, form_id: int = PathId):
    return form_out(access_form_by_id(request.auth, form_id))


@router.patch("/forms/{form_id}", response={200: FormOut, **WRITE_ERRORS})
def change_form(request, payload: FormChangeIn, form_id: int = PathId):
    """Complete or correct a draft form."""
    return form_out(actions.do_update_form(request.auth, form_id, **payload.changes()))


@router.post("/forms/{form_id}/finalise", response={200: FormOut, **WRITE_ERRORS})
def finalise_form(request, form_id: int = PathId):
    """Lock a complete form; a 422 names each missing field."""
    return form_out(actions.do_finalise_form(request.auth, form_id))


@router.post("/forms/{form_id}/submitted", response={200: FormOut, **WRITE_ERRORS})
def form_submitted(request, payload: SubmittedIn, form_id: int = PathId):
    """Record when the finalised form went to the REMS."""
    return form_out(actions.do_mark_form_submitted(request.auth, form_id, submitted_on=payload.submitted_on))
