"""API shapes of patient documents (names unique across the API: ketacare/tests/test_openapi_components.py)."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import StringConstraints

from ketacare.documents.actions import TITLE_MAX_CHARS
from ketacare.documents.models import PatientDocument
from ketacare.lib.text import NO_NUL_NOT_BLANK, REASON_MAX_CHARS

DocumentCategoryIn = Literal["referral", "prior_records", "lab_ecg", "id", "insurance_card", "other"]


class DocumentUploadIn(Schema):
    """The form fields sent with the file (multipart/form-data)."""

    category: DocumentCategoryIn
    document_date: dt.date
    title: Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=TITLE_MAX_CHARS)]
    shared_with_patient: bool = False


class DocumentEnteredInErrorIn(Schema):
    reason: Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=REASON_MAX_CHARS)]


class DocumentEnteredInErrorOut(Schema):
    reason: str
    marked_by_id: int
    marked_at: dt.datetime


class PatientDocumentOut(Schema):
    id: int
    patient_id: int
    category: str
    document_date: dt.date
    title: str
    original_name: str
    content_type: str
    size_bytes: int
    sha256: str
    source: str
    shared_with_patient: bool
    uploaded_by_id: int
    uploaded_at: dt.datetime
    entered_in_error: DocumentEnteredInErrorOut | None


def patient_document_out(document: PatientDocument) -> PatientDocumentOut:
    mark = getattr(document, "entered_in_error", None) if document.is_entered_in_error else None
    return PatientDocumentOut(
        id=document.pk,
        patient_id=document.patient_id,
        category=document.category,
        document_date=document.document_date,
        title=document.title,
        original_name=document.original_name,
        content_type=document.content_type,
        size_bytes=document.size_bytes,
        sha256=document.sha256,
        source=document.source,
        shared_with_patient=document.shared_with_patient,
        uploaded_by_id=document.uploaded_by_id,
        uploaded_at=document.uploaded_at,
        entered_in_error=DocumentEnteredInErrorOut(
            reason=mark.reason, marked_by_id=mark.marked_by_id, marked_at=mark.marked_at
        )
        if mark is not None
        else None,
    )
