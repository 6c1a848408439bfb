"""API shapes of integration-therapy notes."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, StringConstraints

from ketacare.lib.ids import DbId
from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK
from ketacare.therapy.models import ProgressNote, PsychotherapyNote

NoteText = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=20_000)]
RequiredText = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=20_000)]
RiskCheckIn = Literal["", "no_concerns", "concerns_discussed", "safety_plan_reviewed", "escalated"]


class ProgressNoteIn(Schema):
    session_at: AwareDatetime
    duration_minutes: Annotated[int, Field(ge=1, le=480)]
    plan_id: DbId | None = None
    appointment_id: DbId | None = None
    themes: NoteText = ""
    goals: NoteText = ""
    practices: NoteText = ""
    risk_check: RiskCheckIn = ""
    risk_note: NoteText = ""


class ProgressNoteChangeIn(Schema):
    session_at: AwareDatetime | None = None
    duration_minutes: Annotated[int, Field(ge=1, le=480)] | None = None
    themes: NoteText | None = None
    goals: NoteText | None = None
    practices: NoteText | None = None
    risk_check: RiskCheckIn | None = None
    risk_note: NoteText | None = None

    def changes(self) -> dict:
        return {name: value for name, value in self.dict().items() if value is not None}


class AddendumIn(Schema):
    text: RequiredText


class AddendumOut(Schema):
    id: int
    text: str
    written_by_id: int
    written_at: dt.datetime


class ProgressNoteOut(Schema):
    id: int
    patient_id: int
    plan_id: int | None
    appointment_id: int | None
    therapist_id: int
    session_at: dt.datetime
    duration_minutes: int
    themes: str
    goals: str
    practices: str
    risk_check: str
    risk_note: str
    status: str
    signed_at: dt.datetime | None
    addenda: list[AddendumOut]


class PsychotherapyNoteIn(Schema):
    text: RequiredText
    progress_note_id: DbId | None = None


class PsychotherapyNoteChangeIn(Schema):
    text: RequiredText


class PsychotherapyNoteOut(Schema):
    id: int
    patient_id: int
    author_id: int
    progress_note_id: int | None
    text: str
    status: str
    signed_at: dt.datetime | None
    created_at: dt.datetime
    addenda: list[AddendumOut]


def _addenda(note) -> list[AddendumOut]:
    return [AddendumOut.from_orm(a) for a in note.addenda.all()]


def progress_note_out(note: ProgressNote) -> dict:
    return {
        **{name: getattr(note, name) for name in ProgressNoteOut.model_fields if name != "addenda"},
        "addenda": _addenda(note),
    }


def psychotherapy_note_out(note: PsychotherapyNote) -> dict:
    return {
        **{name: getattr(note, name) for name in PsychotherapyNoteOut.model_fields if name != "addenda"},
        "addenda": _addenda(note),
    }
