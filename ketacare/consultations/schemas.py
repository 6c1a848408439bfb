"""API shapes of consultation notes (names unique across the API: ketacare/tests/test_openapi_components.py)."""

import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import StringConstraints

from ketacare.consultations.models import NOTE_TEXT_FIELDS, ConsultationNote
from ketacare.consultations.selectors import facts_of
from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK

SectionText = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=20_000)]
RequiredSectionText = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=20_000)]


class ConsultationNoteIn(Schema):
    history_of_present_illness: SectionText = ""
    psychiatric_history: SectionText = ""
    medical_history: SectionText = ""
    mental_status_exam: SectionText = ""
    risk_assessment: SectionText = ""
    assessment_and_plan: SectionText = ""
    consent_discussion: SectionText = ""


class ConsultationNoteChangeIn(Schema):
    history_of_present_illness: SectionText | None = None
    psychiatric_history: SectionText | None = None
    medical_history: SectionText | None = None
    mental_status_exam: SectionText | None = None
    risk_assessment: SectionText | None = None
    assessment_and_plan: SectionText | None = None
    consent_discussion: SectionText | None = None

    def changes(self) -> dict:
        return {name: value for name, value in self.dict().items() if value is not None}


class ConsultationAddendumIn(Schema):
    text: RequiredSectionText


class ConsultationAddendumOut(Schema):
    id: int
    text: str
    written_by_id: int
    written_at: dt.datetime


class ConsultationNoteOut(Schema):
    id: int
    patient_id: int
    author_id: int
    history_of_present_illness: str
    psychiatric_history: str
    medical_history: str
    mental_status_exam: str
    risk_assessment: str
    assessment_and_plan: str
    consent_discussion: str
    status: str
    signed_by_id: int | None
    signed_at: dt.datetime | None
    created_at: dt.datetime
    # The risk screens and candidacy evaluation the note shows: as signed, or today's for a draft.
    chart_facts: dict[str, Any]
    addenda: list[ConsultationAddendumOut]


def consultation_note_out(note: ConsultationNote) -> dict:
    fields = ("id", "patient_id", "author_id", *NOTE_TEXT_FIELDS, "status", "signed_by_id", "signed_at", "created_at")
    return {
        **{name: getattr(note, name) for name in fields},
        "chart_facts": facts_of(note),
        "addenda": [ConsultationAddendumOut.from_orm(a) for a in note.addenda.all()],
    }
