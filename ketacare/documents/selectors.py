"""Access-checked reads of patient documents; every list and every download is audited.

Rules:
- staff with PATIENT_VIEW see their own organisation's documents (another organisation's: 404);
- a patient sees, on their own record only, the documents the clinic shared with them and those they
  uploaded themselves, never one entered in error;
- a download is an export in the audit trail (who took a copy of which file).
"""

from dataclasses import dataclass

from django.core.files import File
from django.db.models import Q, QuerySet
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.documents.models import PatientDocument
from ketacare.documents.storage import document_storage
from ketacare.lib.ids import db_id_or_zero
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id


def staff_documents(user) -> QuerySet[PatientDocument]:
    """The documents `user` may see as staff (none for anyone else)."""
    if not user.may(Permission.PATIENT_VIEW) or user.organisation_id is None:
        return PatientDocument.objects.none()
    return PatientDocument.objects.filter(organisation_id=user.organisation_id)


def _own_documents(user) -> QuerySet[PatientDocument]:
    if not user.may(Permission.OWN_RECORD_VIEW):
        return PatientDocument.objects.none()
    return PatientDocument.objects.filter(
        Q(shared_with_patient=True) | Q(uploaded_by=user), patient__user=user, entered_in_error__isnull=True
    )


def _with_people(documents: QuerySet[PatientDocument]) -> list[PatientDocument]:
    return list(documents.select_related("uploaded_by", "entered_in_error__marked_by"))


@dataclass(frozen=True)
class PatientDocuments:
    patient: Patient
    documents: list[PatientDocument]  # newest document date first


def access_documents_by_patient_id(user, patient_id: int) -> PatientDocuments:
    """A patient's documents for the chart's documents page or the API (audited as one view)."""
    require_permission(user, Permission.PATIENT_VIEW)
    patient = access_patient_by_id(user, db_id_or_zero(patient_id), audit=False)
    documents = _with_people(staff_documents(user).filter(patient=patient))
    record_event(user, AuditAction.VIEW, patient, patient=patient, detail={"page": "documents"})
    return PatientDocuments(patient, documents)


def access_own_documents(user) -> PatientDocuments:
    """The signed-in patient's documents for the portal (audited as a view); 404 without a record."""
    require_permission(user, Permission.OWN_RECORD_VIEW)
    patient = Patient.objects.select_related("organisation").filter(user=user, merged_into__isnull=True).first()
    if patient is None:
        raise Http404("No patient record")
    documents = _with_people(_own_documents(user).filter(patient=patient))
    record_event(user, AuditAction.VIEW, patient, patient=patient, detail={"page": "documents"})
    return PatientDocuments(patient, documents)


def access_document_file(user, document_id: int) -> tuple[PatientDocument, File]:
    """A document and its open file, for a download (audited as an export); 404 if `user` may not
    have it. Staff may also download one entered in error: the file is kept as evidence of what was filed."""
    visible = staff_documents(user) if user.may(Permission.PATIENT_VIEW) else _own_documents(user)
    document = visible.select_related("patient__organisation").filter(pk=db_id_or_zero(document_id)).first()
    if document is None:
        raise Http404("No such document")
    try:
        handle = document_storage().open(document.stored_name, "rb")
    except FileNotFoundError:
        raise Http404("The document's file is missing from storage") from None
    record_event(
        user,
        AuditAction.EXPORT,
        document,
        patient=document.patient,
        detail={"download": document.content_type, "sha256": document.sha256},
    )
    return document, handle
