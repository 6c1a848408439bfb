"""REST endpoints for patient documents (/api/v1/documents): staff only (the portal has no API).

The same actions and selectors as the pages: the upload is checked by content, the download is an
attachment of the detected type, audited.
"""

from ninja import File, Form, Router, UploadedFile

from ketacare.documents import actions
from ketacare.documents.downloads import document_download_response
from ketacare.documents.schemas import (
    DocumentEnteredInErrorIn,
    DocumentUploadIn,
    PatientDocumentOut,
    patient_document_out,
)
from ketacare.documents.selectors import access_documents_by_patient_id
from ketacare.lib.api import READ_ERRORS, WRITE_ERRORS, PathId

router = Router(tags=["documents"])

# A download is the file itself, of the type its content was found to be.
FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "The file, as an attachment",
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in ("application/pdf", "image/jpeg", "image/png")
            },
        }
    }
}


@router.get("/patients/{patient_id}", response={200: list[PatientDocumentOut], **READ_ERRORS})
def list_documents(request, patient_id: int = PathId):
    """A patient's documents, newest document date first (those entered in error included, marked)."""
    return [
        patient_document_out(document)
        for document in access_documents_by_patient_id(request.auth, patient_id).documents
    ]


@router.post("/patients/{patient_id}", response={201: PatientDocumentOut, **WRITE_ERRORS})
def upload_document(request, payload: Form[DocumentUploadIn], file: File[UploadedFile], patient_id: int = PathId):
    """Upload a PDF, JPEG or PNG (multipart/form-data, the file in `file`); the type is read from the
    content, images are stored re-encoded without metadata."""
    document = actions.do_upload_document(request.auth, patient_id, upload=file, **payload.dict())
    return 201, patient_document_out(document)


@router.get("/{document_id}/download", response={200: None, **READ_ERRORS}, openapi_extra=FILE_RESPONSE)
def download_document(request, document_id: int = PathId):
    """The file as an attachment (audited as an export)."""
    return document_download_response(request.auth, document_id)


@router.post("/{document_id}/entered-in-error", response={200: PatientDocumentOut, **WRITE_ERRORS})
def mark_entered_in_error(request, payload: DocumentEnteredInErrorIn, document_id: int = PathId):
    """Withdraw a document filed by mistake, with a reason; the file is kept."""
    mark = actions.do_mark_document_entered_in_error(request.auth, document_id, reason=payload.reason)
    return patient_document_out(mark.document)
