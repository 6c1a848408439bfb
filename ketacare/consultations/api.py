"""REST endpoints of consultation notes (/api/v1/consultations): the same actions and selectors as the pages."""

from ninja import Router

from ketacare.consultations import actions
from ketacare.consultations.schemas import (
    ConsultationAddendumIn,
    ConsultationAddendumOut,
    ConsultationNoteChangeIn,
    ConsultationNoteIn,
    ConsultationNoteOut,
    consultation_note_out,
)
from ketacare.consultations.selectors import access_consultation_note_by_id, access_consultation_notes_by_patient_id
from ketacare.lib.api import READ_ERRORS, WRITE_ERRORS, PathId

router = Router(tags=["consultations"])

PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The note as a PDF (a download)",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get("/patients/{patient_id}/notes", response={200: list[ConsultationNoteOut], **READ_ERRORS})
def list_consultation_notes(request, patient_id: int = PathId):
    """A patient's consultation notes, newest first (nurses, prescribers, therapists; audited)."""
    _, notes = access_consultation_notes_by_patient_id(request.auth, patient_id)
    return [consultation_note_out(note) for note in notes]


@router.post("/patients/{patient_id}/notes", response={201: ConsultationNoteOut, **WRITE_ERRORS})
def create_consultation_note(request, payload: ConsultationNoteIn, patient_id: int = PathId):
    """A draft consultation note by the calling prescriber."""
    note = actions.do_create_consultation_note(request.auth, patient_id, **payload.dict())
    return 201, consultation_note_out(note)


@router.get("/notes/{note_id}", response={200: ConsultationNoteOut, **READ_ERRORS})
def get_consultation_note(request, note_id: int = PathId):
    return consultation_note_out(access_consultation_note_by_id(request.auth, note_id))


@router.patch("/notes/{note_id}", response={200: ConsultationNoteOut, **WRITE_ERRORS})
def change_consultation_note(request, payload: ConsultationNoteChangeIn, note_id: int = PathId):
    """Change the author's own draft; a signed note is refused (422): write an addendum."""
    return consultation_note_out(actions.do_update_consultation_note(request.auth, note_id, **payload.changes()))


@router.post("/notes/{note_id}/sign", response={200: ConsultationNoteOut, **WRITE_ERRORS})
def sign_consultation_note(request, note_id: int = PathId):
    """Sign the author's own draft (present illness, mental status, risk, assessment and plan, consent
    discussion required); the chart facts are copied in and the note is locked."""
    return consultation_note_out(actions.do_sign_consultation_note(request.auth, note_id))


@router.post("/notes/{note_id}/addenda", response={201: ConsultationAddendumOut, **WRITE_ERRORS})
def add_consultation_note_addendum(request, payload: ConsultationAddendumIn, note_id: int = PathId):
    return 201, actions.do_add_consultation_note_addendum(request.auth, note_id, text=payload.text)


@router.get("/notes/{note_id}/pdf", response={**READ_ERRORS}, openapi_extra=PDF_RESPONSE)
def consultation_note_pdf_file(request, note_id: int = PathId):
    """The note as a PDF download (audited as an export)."""
    # reportlab loads with the first PDF, not in every worker (ketacare/tests/test_start_light.py).
    from ketacare.consultations.note_pdf import consultation_note_pdf, pdf_download

    return pdf_download(*consultation_note_pdf(request.auth, note_id))
