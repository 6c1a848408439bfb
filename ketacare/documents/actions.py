"""Every write to a patient's documents: uploads (staff on the chart, the patient in the portal) and
"entered in error". Files are checked by content (domain/uploads.py) before anything is stored."""

import datetime as dt
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.documents.domain.uploads import ACCEPTED_TEXT, CheckedFile, UploadRefused, check_upload, display_name
from ketacare.documents.models import DocumentCategory, DocumentEnteredInError, DocumentSource, PatientDocument
from ketacare.documents.selectors import staff_documents
from ketacare.documents.storage import document_storage, store_file
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_reason, clean_text
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id

TITLE_MAX_CHARS = 200
# Who files documents on a chart: the roles that keep the registry's details (front desk scans the
# referral letter and the insurance card; nurses and prescribers file labs and ECGs).
UPLOAD_PERMISSION = Permission.PATIENT_EDIT_DEMOGRAPHICS


def max_upload_bytes() -> int:
    return settings.DOCUMENT_MAX_MB * 1024 * 1024


def too_large_message() -> str:
    return f"The file is larger than {settings.DOCUMENT_MAX_MB} MB; upload a smaller one (or split it)."


def do_upload_document(
    actor,
    patient_id: int,
    *,
    upload,
    category: str,
    document_date: dt.date,
    title: str,
    shared_with_patient: bool = False,
) -> PatientDocument:
    """Staff file a document on a patient's record; `shared_with_patient` shows it in their portal."""
    require_permission(actor, UPLOAD_PERMISSION)
    patient = access_patient_by_id(actor, db_id_or_zero(patient_id), audit=False)
    return _file_document(
        actor,
        patient,
        upload=upload,
        category=category,
        document_date=document_date,
        title=title,
        source=DocumentSource.STAFF,
        shared_with_patient=bool(shared_with_patient),
    )


def do_upload_own_document(actor, *, upload, category: str, document_date: dt.date, title: str) -> PatientDocument:
    """A signed-in patient adds a document to their own record (the clinic sees it on the chart)."""
    require_permission(actor, Permission.OWN_RECORD_VIEW)
    patient = Patient.objects.select_related("organisation").filter(user=actor, merged_into__isnull=True).first()
    if patient is None:
        raise Http404("No patient record")
    return _file_document(
        actor,
        patient,
        upload=upload,
        category=category,
        document_date=document_date,
        title=title,
        source=DocumentSource.PORTAL,
        shared_with_patient=False,  # the patient sees their own uploads anyway (selectors.py)
    )


def _read_checked(upload) -> tuple[CheckedFile, str]:
    """(what to store, its display name) of an uploaded file, or ValidationError on "file"."""
    if upload is None or not hasattr(upload, "read"):
        raise ValidationError({"file": "Choose a file to upload."})
    limit = max_upload_bytes()
    # The size Django counted while the upload streamed to disk: refuse before reading it into memory.
    if upload.size is not None and upload.size > limit:
        raise ValidationError({"file": too_large_message()})
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ValidationError({"file": too_large_message()})
    try:
        checked = check_upload(content)
    except UploadRefused as exc:
        raise ValidationError({"file": f"{exc} Upload {ACCEPTED_TEXT}."}) from None
    return checked, display_name(getattr(upload, "name", "") or "", checked.content_type)


def _file_document(
    actor,
    patient: Patient,
    *,
    upload,
    category: str,
    document_date,
    title: str,
    source: str,
    shared_with_patient: bool,
) -> PatientDocument:
    errors = {}
    if category not in DocumentCategory.values:
        errors["category"] = "Choose one of: " + ", ".join(str(label) for label in DocumentCategory.labels) + "."
    try:
        title = clean_text("title", title, required=True, max_chars=TITLE_MAX_CHARS)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not isinstance(document_date, dt.date) or isinstance(document_date, dt.datetime):
        errors["document_date"] = "Enter the document's date."
    elif document_date > patient.today():
        errors["document_date"] = "The date cannot be in the future."
    if errors:
        raise ValidationError(errors)
    checked, original_name = _read_checked(upload)
    content, content_type = checked.content, checked.content_type
    stored_name = store_file(patient.organisation_id, content, checked.extension)
    try:
        with transaction.atomic():
            document = PatientDocument.objects.create(
                organisation_id=patient.organisation_id,
                patient=patient,
                category=category,
                document_date=document_date,
                title=title,
                original_name=original_name,
                stored_name=stored_name,
                content_type=content_type,
                size_bytes=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                source=source,
                shared_with_patient=shared_with_patient,
                uploaded_by=actor,
            )
            record_event(
                actor,
                AuditAction.CREATE,
                document,
                patient=patient,
                detail={
                    "category": category,
                    "content_type": content_type,
                    "size_bytes": len(content),
                    "sha256": document.sha256,
                    "source": source,
                    "shared_with_patient": shared_with_patient,
                },
            )
    except BaseException:
        # No row points at the file: it was never part of the record.
        document_storage().delete(stored_name)
        raise
    return document


def do_mark_document_entered_in_error(actor, document_id: int, *, reason: str) -> DocumentEnteredInError:
    """Withdraw a document filed by mistake: a new append-only mark with the reason; the file is kept."""
    require_permission(actor, UPLOAD_PERMISSION)
    with transaction.atomic():
        document = (
            staff_documents(actor)
            .select_for_update(of=("self",))
            .select_related("patient__organisation")
            .filter(pk=db_id_or_zero(document_id))
            .first()
        )
        if document is None:
            raise Http404("No such document")
        reason = clean_reason(reason)
        if DocumentEnteredInError.objects.filter(document=document).exists():
            raise ValidationError({"reason": "This document is already marked entered in error."})
        mark = DocumentEnteredInError.objects.create(document=document, reason=reason, marked_by=actor)
        record_event(
            actor,
            AuditAction.STATUS_CHANGE,
            document,
            patient=document.patient,
            detail={"status": "entered_in_error", "reason": reason},
        )
    return mark
