"""DocumentReference: files on a patient's record (referrals, prior records, labs/ECG, ID, insurance card), and
the PDFs KetaCare makes (generated_documents.py: session records, consultation notes, REMS forms, consents, and
the printed kinds other apps register: referral letters, invoices, receipts).

The attachment is the download address, not the bytes: a download is its own audited read (documents app).
A patient sees what the portal shows them: documents shared with them or uploaded by them, none entered in error.
"""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from ketacare.accounts.domain.roles import Permission
from ketacare.documents.models import DocumentCategory, PatientDocument
from ketacare.documents.printed import printed_kinds
from ketacare.fhir.domain import codes
from ketacare.fhir.domain.search import Token
from ketacare.fhir.mappers import concept, instant, reference, without_empty
from ketacare.fhir.mappers.filters import date_filter, fixed_token, token_filter
from ketacare.fhir.mappers.generated_documents import DOCUMENT_SOURCE_SYSTEM, GENERATED_SOURCES, PRINTED_SOURCES
from ketacare.fhir.registry import PATIENT_PARAM, ResourceType, Scope, SearchParam, Source, register

DOCUMENT_CATEGORY_SYSTEM = f"{codes.KETACARE_FHIR}/CodeSystem/document-category"
UPLOADED = concept(DOCUMENT_SOURCE_SYSTEM, "uploaded", "Uploaded to the record")
# The printed kinds served (documents/printed.py), as the CapabilityStatement names them.
PRINTED_IDS = "".join(f", {kind.type_display.lower()}s ({kind.key}-<id>)" for kind in printed_kinds(stored=True))
PRINTED_TYPES = "".join(f", {kind.type_code}" for kind in printed_kinds(stored=True))


def _download_url(document: PatientDocument, scope: Scope) -> str:
    name = "documents_portal:download" if scope.patient_id is not None else "documents:download"
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{reverse(name, kwargs={'document_id': document.pk})}"


def document_reference_resource(document: PatientDocument, scope: Scope) -> dict:
    in_error = getattr(document, "entered_in_error", None) is not None
    uploader = document.uploaded_by
    author = (
        reference("Patient", document.patient_id)
        if document.source == "portal"
        else reference("Practitioner", uploader.pk, uploader.display_name)
    )
    return without_empty(
        {
            "resourceType": "DocumentReference",
            "id": str(document.pk),
            "status": "entered-in-error" if in_error else "current",
            "type": concept(DOCUMENT_CATEGORY_SYSTEM, document.category, document.get_category_display()),
            "category": [UPLOADED],
            "subject": reference("Patient", document.patient_id),
            "date": instant(document.uploaded_at),
            "author": [author],
            "description": document.title,
            "content": [
                {
                    "attachment": {
                        "contentType": document.content_type,
                        "url": _download_url(document, scope),
                        "size": document.size_bytes,
                        "title": document.original_name,
                        "creation": document.document_date.isoformat(),
                    }
                }
            ],
        }
    )


def _documents(scope: Scope):
    documents = PatientDocument.objects.filter(
        organisation_id=scope.organisation_id, patient__merged_into__isnull=True
    ).select_related("uploaded_by", "entered_in_error")
    if scope.patient_id is not None:
        documents = documents.filter(
            Q(shared_with_patient=True) | Q(uploaded_by=scope.user), entered_in_error__isnull=True
        )
    return documents


def _category(token: Token) -> Q:
    if token.system not in (None, DOCUMENT_CATEGORY_SYSTEM) or token.code not in DocumentCategory.values:
        return Q(pk__in=[])
    return Q(category=token.code)


register(
    ResourceType(
        name="DocumentReference",
        profiles=(codes.PROFILE_DOCUMENT_REFERENCE,),
        documentation="Files uploaded to the patient's record (<id>) and the PDFs KetaCare makes: signed session "
        "records (session-record-<id>), signed consultation notes (consultation-note-<id>), finalised REMS "
        "forms (rems-form-<id>), signed consents (consent-<id>)" + PRINTED_IDS + "; the attachment is the (audited) "
        "download address.",
        search_params=(
            PATIENT_PARAM,
            SearchParam("date", "date", "When it was filed, signed, finalised, issued or paid."),
            SearchParam(
                "type",
                "token",
                "Uploads: referral, prior_records, lab_ecg, id, insurance_card or other; generated: LOINC 11506-3 "
                "(session record), 11488-4 (consultation note), 59284-0 (consent), rems-patient-monitoring-form"
                + PRINTED_TYPES
                + ".",
            ),
            SearchParam("category", "token", "uploaded or generated; clinical-note (US Core) for the signed notes."),
        ),
        sources=(
            Source(
                key="",
                rows=_documents,
                to_resource=document_reference_resource,
                permission=Permission.PATIENT_VIEW,
                filters={
                    "date": date_filter("date", "uploaded_at"),
                    "type": token_filter("type", _category),
                    "category": fixed_token("category", {DOCUMENT_SOURCE_SYSTEM: {"uploaded"}}),
                },
            ),
            *GENERATED_SOURCES,
            *PRINTED_SOURCES,
        ),
    )
)
