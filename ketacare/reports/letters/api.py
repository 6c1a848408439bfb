"""REST endpoints of referral letters (/api/v1/letters): the same actions and selectors as the pages."""

from ninja import Router

from ketacare.lib.api import READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.reports.letters import actions
from ketacare.reports.letters.schemas import ReferralLetterChangeIn, ReferralLetterIn, ReferralLetterOut
from ketacare.reports.letters.selectors import access_referral_letter_by_id, access_referral_letters_by_patient_id

router = Router(tags=["letters"])

PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The letter as a PDF (a download)",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get("/patients/{patient_id}", response={200: list[ReferralLetterOut], **READ_ERRORS})
def list_referral_letters(request, patient_id: int = PathId):
    """A patient's referral letters, newest first (audited)."""
    _, letters = access_referral_letters_by_patient_id(request.auth, patient_id)
    return letters


@router.post("/patients/{patient_id}", response={201: ReferralLetterOut, **WRITE_ERRORS})
def create_referral_letter(request, payload: ReferralLetterIn, patient_id: int = PathId):
    """A draft letter by the calling prescriber, from the organisation's template and the progress summary."""
    return 201, actions.do_create_referral_letter(request.auth, patient_id, **payload.dict())


@router.get("/{letter_id}", response={200: ReferralLetterOut, **READ_ERRORS})
def get_referral_letter(request, letter_id: int = PathId):
    return access_referral_letter_by_id(request.auth, letter_id)


@router.patch("/{letter_id}", response={200: ReferralLetterOut, **WRITE_ERRORS})
def change_referral_letter(request, payload: ReferralLetterChangeIn, letter_id: int = PathId):
    """Change the author's own draft; a signed letter is refused (422)."""
    return actions.do_update_referral_letter(request.auth, letter_id, **payload.changes())


@router.post("/{letter_id}/sign", response={200: ReferralLetterOut, **WRITE_ERRORS})
def sign_referral_letter(request, letter_id: int = PathId):
    """Sign the author's own draft; it is then locked."""
    return actions.do_sign_referral_letter(request.auth, letter_id)


@router.get("/{letter_id}/pdf", response={**READ_ERRORS}, openapi_extra=PDF_RESPONSE)
def referral_letter_pdf_file(request, letter_id: int = PathId):
    """The letter as a PDF download (audited as an export)."""
    # reportlab loads with the first PDF, not in every worker (ketacare/tests/test_start_light.py).
    from ketacare.consultations.note_pdf import pdf_download
    from ketacare.reports.letters.pdf import referral_letter_pdf

    return pdf_download(*referral_letter_pdf(request.auth, letter_id))
