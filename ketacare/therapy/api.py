"""REST endpoints of integration therapy (/api/v1/therapy): the same actions and selectors as the pages.

Psychotherapy notes have their own endpoints; every read of one is audited (refusals included).
"""

from ninja import Router

from ketacare.lib.api import READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.therapy import actions
from ketacare.therapy.schemas import (
    AddendumIn,
    AddendumOut,
    ProgressNoteChangeIn,
    ProgressNoteIn,
    ProgressNoteOut,
    PsychotherapyNoteChangeIn,
    PsychotherapyNoteIn,
    PsychotherapyNoteOut,
    progress_note_out,
    psychotherapy_note_out,
)
from ketacare.therapy.selectors import (
    access_progress_note_by_id,
    access_progress_notes_by_patient_id,
    access_psychotherapy_note_by_id,
    access_psychotherapy_notes_by_patient_id,
)

router = Router(tags=["therapy"])


@router.get("/patients/{patient_id}/notes", response={200: list[ProgressNoteOut], **READ_ERRORS})
def list_notes(request, patient_id: int = PathId):
    """A patient's integration-session notes, newest first."""
    _, notes = access_progress_notes_by_patient_id(request.auth, patient_id)
    return [progress_note_out(note) for note in notes]


@router.post("/patients/{patient_id}/notes", response={201: ProgressNoteOut, **WRITE_ERRORS})
def create_note(request, payload: ProgressNoteIn, patient_id: int = PathId):
    """A draft note of an integration session (therapists, prescribers)."""
    return 201, progress_note_out(actions.do_create_progress_note(request.auth, patient_id, **payload.dict()))


@router.get("/notes/{note_id}", response={200: ProgressNoteOut, **READ_ERRORS})
def get_note(request, note_id: int = PathId):
    return progress_note_out(access_progress_note_by_id(request.auth, note_id))


@router.patch("/notes/{note_id}", response={200: ProgressNoteOut, **WRITE_ERRORS})
def change_note(request, payload: ProgressNoteChangeIn, note_id: int = PathId):
    """Change the author's own draft."""
    return progress_note_out(actions.do_update_progress_note(request.auth, note_id, **payload.changes()))


@router.post("/notes/{note_id}/sign", response={200: ProgressNoteOut, **WRITE_ERRORS})
def sign_note(request, note_id: int = PathId):
    """Sign the author's own draft (themes, goals, practices and the risk check required); it is then locked."""
    return progress_note_out(actions.do_sign_progress_note(request.auth, note_id))


@router.post("/notes/{note_id}/addenda", response={201: AddendumOut, **WRITE_ERRORS})
def add_note_addendum(request, payload: AddendumIn, note_id: int = PathId):
    return 201, actions.do_add_progress_note_addendum(request.auth, note_id, text=payload.text)


@router.get("/patients/{patient_id}/psychotherapy-notes", response={200: list[PsychotherapyNoteOut], **READ_ERRORS})
def list_psychotherapy_notes(request, patient_id: int = PathId):
    """The psychotherapy notes the caller may read: their own, or all for the treating prescriber (audited)."""
    _, notes = access_psychotherapy_notes_by_patient_id(request.auth, patient_id)
    return [psychotherapy_note_out(note) for note in notes]


@router.post("/patients/{patient_id}/psychotherapy-notes", response={201: PsychotherapyNoteOut, **WRITE_ERRORS})
def create_psychotherapy_note(request, payload: PsychotherapyNoteIn, patient_id: int = PathId):
    note = actions.do_create_psychotherapy_note(request.auth, patient_id, **payload.dict())
    return 201, psychotherapy_note_out(note)


@router.get("/psychotherapy-notes/{note_id}", response={200: PsychotherapyNoteOut, **READ_ERRORS})
def get_psychotherapy_note(request, note_id: int = PathId):
    """Author and treating prescriber only; every attempt is audited."""
    return psychotherapy_note_out(access_psychotherapy_note_by_id(request.auth, note_id))


@router.patch("/psychotherapy-notes/{note_id}", response={200: PsychotherapyNoteOut, **WRITE_ERRORS})
def change_psychotherapy_note(request, payload: PsychotherapyNoteChangeIn, note_id: int = PathId):
    return psychotherapy_note_out(actions.do_update_psychotherapy_note(request.auth, note_id, text=payload.text))


@router.post("/psychotherapy-notes/{note_id}/sign", response={200: PsychotherapyNoteOut, **WRITE_ERRORS})
def sign_psychotherapy_note(request, note_id: int = PathId):
    return psychotherapy_note_out(actions.do_sign_psychotherapy_note(request.auth, note_id))


@router.post("/psychotherapy-notes/{note_id}/addenda", response={201: AddendumOut, **WRITE_ERRORS})
def add_psychotherapy_note_addendum(request, payload: AddendumIn, note_id: int = PathId):
    return 201, actions.do_add_psychotherapy_note_addendum(request.auth, note_id, text=payload.text)
