"""Uploading, listing, downloading and withdrawing a patient's documents: pages, portal and actions."""

import datetime as dt
import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import DatabaseError, transaction
from django.http import Http404
from PIL import Image

from ketacare.audit.models import AuditAction
from ketacare.documents import actions
from ketacare.documents.models import DocumentChangeRefused, DocumentEnteredInError, PatientDocument
from ketacare.documents.tests.conftest import PDF_BYTES, jpeg_with_gps

pytestmark = pytest.mark.django_db

HTML_AS_PDF = b"<!DOCTYPE html><html><body><script>fetch('/api/v1/patients')</script></body></html>"


def file_on(staff_user, patient, upload, **fields):
    values = {
        "upload": upload(),
        "category": "referral",
        "document_date": dt.date(2026, 1, 5),
        "title": "Referral from Dr Lee",
    } | fields
    return actions.do_upload_document(staff_user, patient.pk, **values)


def form_data(content=PDF_BYTES, name="letter.pdf", **fields):
    return {
        "file": _named(content, name),
        "category": "referral",
        "title": "Referral letter",
        "document_date": "2026-01-05",
    } | fields


def _named(content, name):
    handle = io.BytesIO(content)
    handle.name = name
    return handle


# Uploads -------------------------------------------------------------------------------------------


def test_staff_file_a_pdf_stored_under_a_random_name_outside_the_web_root(staff, patient, upload, documents_dir):
    document = file_on(staff["front_desk"], patient, upload)

    assert document.content_type == "application/pdf"
    assert document.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert document.original_name == "letter.pdf" and "letter" not in document.stored_name
    assert (documents_dir / document.stored_name).read_bytes() == PDF_BYTES


def test_an_oversize_upload_is_refused_naming_the_file(staff, patient, upload, settings):
    settings.DOCUMENT_MAX_MB = 1
    big = PDF_BYTES + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError) as refused:
        file_on(staff["front_desk"], patient, lambda: upload(big))
    assert refused.value.message_dict == {"file": [actions.too_large_message()]}
    assert not PatientDocument.objects.exists()


@pytest.mark.parametrize("extra_mb", [0.5, 3])
def test_an_oversize_page_upload_is_refused_while_it_streams(
    client, signed_in, staff, patient, settings, monkeypatch, extra_mb
):
    """Django's own handlers (memory, then a temporary file) never get more than the limit of it."""
    handed_on = []
    original = TemporaryFileUploadHandler.receive_data_chunk
    monkeypatch.setattr(
        TemporaryFileUploadHandler,
        "receive_data_chunk",
        lambda handler, raw, start: handed_on.append(len(raw)) or original(handler, raw, start),
    )
    settings.DOCUMENT_MAX_MB = 1
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every file goes through the temporary-file handler
    signed_in(staff["front_desk"])
    big = PDF_BYTES + b"0" * int((1 + extra_mb) * 1024 * 1024)
    response = client.post(f"/documents/patients/{patient.pk}/upload/", form_data(big))
    assert response.status_code == 422
    assert "larger than 1 MB" in response.content.decode()
    assert sum(handed_on) <= 1024 * 1024
    assert not PatientDocument.objects.exists()


@pytest.mark.parametrize(
    ("content", "name"),
    [(HTML_AS_PDF, "referral.pdf"), (b"MZ\x90\x00 executable", "scan.jpg"), (b"plain text", "notes.png")],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(client, signed_in, staff, patient, content, name):
    signed_in(staff["front_desk"])
    response = client.post(f"/documents/patients/{patient.pk}/upload/", form_data(content, name))
    assert response.status_code == 422
    assert "This file is not a PDF, JPEG or PNG" in response.content.decode()
    assert not PatientDocument.objects.exists()


def test_path_tricks_in_the_file_name_are_harmless(staff, patient, upload, documents_dir):
    names = ["../../x.pdf", "/etc/passwd", "a\x00b.pdf", "..\\..\\evil.pdf", "x" * 1000 + ".pdf"]
    documents = [file_on(staff["front_desk"], patient, lambda name=name: upload(name=name)) for name in names]

    assert [d.original_name for d in documents] == ["x.pdf", "passwd.pdf", "ab.pdf", "evil.pdf", "x" * 116 + ".pdf"]
    stored = sorted(path.relative_to(documents_dir) for path in documents_dir.rglob("*") if path.is_file())
    assert stored == sorted(__import__("pathlib").Path(d.stored_name) for d in documents)
    assert all(str(path).startswith(f"{patient.organisation_id}/") for path in stored)


def test_a_photo_is_stored_without_its_gps_position(staff, patient, upload, documents_dir):
    document = file_on(
        staff["front_desk"], patient, lambda: upload(jpeg_with_gps(), "card.jpg", "image/jpeg"), category="id"
    )

    stored = (documents_dir / document.stored_name).read_bytes()
    assert document.content_type == "image/jpeg"
    assert dict(Image.open(io.BytesIO(stored)).getexif()) == {}
    assert b"Exif" not in stored


def test_bad_fields_name_the_field_and_store_nothing(staff, patient, upload, documents_dir):
    with pytest.raises(ValidationError) as refused:
        file_on(staff["front_desk"], patient, upload, category="poetry", title=" ", document_date=dt.date(2999, 1, 1))
    assert set(refused.value.message_dict) == {"category", "title", "document_date"}
    assert not PatientDocument.objects.exists() and not any(documents_dir.iterdir())


def test_roles_without_the_permission_and_other_organisations_cannot_file(staff, other_staff, patient, upload):
    with pytest.raises(PermissionDenied):
        file_on(staff["therapist"], patient, upload)
    with pytest.raises(Http404):
        file_on(other_staff["front_desk"], patient, upload)
    assert not PatientDocument.objects.exists()


def test_a_document_row_is_never_rewritten_or_deleted(staff, patient, upload):
    document = file_on(staff["front_desk"], patient, upload)
    document.title = "Changed"
    with pytest.raises(DocumentChangeRefused):
        document.save()
    with pytest.raises(DocumentChangeRefused):
        document.delete()


def test_an_upload_without_the_csrf_token_is_refused(client, signed_in, staff, patient):
    """The size-limit handler runs before the CSRF check (views.limits_upload_size); the check still runs."""
    signed_in(staff["front_desk"])
    client.handler.enforce_csrf_checks = True
    assert client.post(f"/documents/patients/{patient.pk}/upload/", form_data()).status_code == 403
    assert not PatientDocument.objects.exists()


# Entered in error ----------------------------------------------------------------------------------


def test_entered_in_error_keeps_the_file_and_is_a_mark_that_cannot_be_edited(
    client, signed_in, staff, patient, upload, documents_dir, audit_entries
):
    document = file_on(staff["front_desk"], patient, upload)
    signed_in(staff["nurse"])

    response = client.post(
        f"/documents/patients/{patient.pk}/{document.pk}/entered-in-error/", {"reason": "Wrong patient"}
    )

    assert response.status_code == 302
    mark = DocumentEnteredInError.objects.get(document=document)
    assert (mark.reason, mark.marked_by) == ("Wrong patient", staff["nurse"])
    assert (documents_dir / document.stored_name).read_bytes() == PDF_BYTES
    assert audit_entries(action=AuditAction.STATUS_CHANGE, object_id=str(document.pk))[-1].detail == {
        "status": "entered_in_error",
        "reason": "Wrong patient",
    }
    # The database refuses rewriting or removing the mark (lib/append_only.py triggers).
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DocumentEnteredInError.objects.filter(pk=mark.pk).update(reason="Changed my mind")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DocumentEnteredInError.objects.filter(pk=mark.pk).delete()
    # Staff can still download it; the page shows it struck through with the reason.
    assert client.get(f"/documents/{document.pk}/download/").status_code == 200
    assert "Wrong patient" in client.get(f"/documents/patients/{patient.pk}/").content.decode()


def test_entered_in_error_needs_a_reason_and_happens_once(staff, patient, upload):
    document = file_on(staff["front_desk"], patient, upload)
    with pytest.raises(ValidationError) as no_reason:
        actions.do_mark_document_entered_in_error(staff["nurse"], document.pk, reason=" ")
    assert "reason" in no_reason.value.message_dict
    actions.do_mark_document_entered_in_error(staff["nurse"], document.pk, reason="Duplicate scan")
    with pytest.raises(ValidationError, match="already marked"):
        actions.do_mark_document_entered_in_error(staff["nurse"], document.pk, reason="Again")


# Downloads -----------------------------------------------------------------------------------------


def test_a_download_is_an_audited_attachment_of_the_detected_type(
    client, signed_in, staff, patient, upload, audit_entries
):
    document = file_on(staff["front_desk"], patient, upload)
    signed_in(staff["nurse"])

    response = client.get(f"/documents/{document.pk}/download/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]
    [entry] = audit_entries(action=AuditAction.EXPORT, object_id=str(document.pk))
    assert (entry.actor, entry.patient_id) == (staff["nurse"], patient.pk)


def test_another_organisations_documents_are_not_found(client, signed_in, staff, other_staff, patient, upload):
    document = file_on(staff["front_desk"], patient, upload)
    signed_in(other_staff["clinic_admin"])
    assert client.get(f"/documents/{document.pk}/download/").status_code == 404
    assert client.get(f"/documents/patients/{patient.pk}/").status_code == 404
    response = client.post(f"/documents/patients/{patient.pk}/{document.pk}/entered-in-error/", {"reason": "x"})
    assert response.status_code == 404 and not DocumentEnteredInError.objects.exists()


# The portal ----------------------------------------------------------------------------------------


def test_a_patient_uploads_in_the_portal_and_staff_see_it_on_the_chart(client, signed_in, staff, patient):
    signed_in(patient.user)
    response = client.post("/portal/documents/upload/", form_data(name="referral-letter.pdf"))
    assert response.status_code == 302

    document = PatientDocument.objects.get()
    assert (document.patient, document.source, document.uploaded_by) == (patient, "portal", patient.user)
    assert "referral-letter.pdf" in client.get("/portal/documents/").content.decode()

    signed_in(staff["front_desk"])
    page = client.get(f"/documents/patients/{patient.pk}/").content.decode()
    assert "referral-letter.pdf" in page and "by the patient (portal)" in page


def test_the_portal_refuses_html_named_pdf_naming_the_field(client, signed_in, patient):
    signed_in(patient.user)
    response = client.post("/portal/documents/upload/", form_data(HTML_AS_PDF, "referral.pdf"))
    assert response.status_code == 422
    assert "This file is not a PDF, JPEG or PNG" in response.content.decode()
    assert not PatientDocument.objects.exists()


def test_a_patient_sees_only_shared_and_own_documents_of_their_own_record(
    client, signed_in, staff, patient, second_patient, upload
):
    shared = file_on(staff["front_desk"], patient, upload, title="After-care leaflet", shared_with_patient=True)
    internal = file_on(staff["front_desk"], patient, upload, title="Insurance notes")
    withdrawn = file_on(staff["front_desk"], patient, upload, title="Wrong letter", shared_with_patient=True)
    actions.do_mark_document_entered_in_error(staff["front_desk"], withdrawn.pk, reason="Wrong patient")
    someone_elses = file_on(staff["front_desk"], second_patient, upload, shared_with_patient=True)

    signed_in(patient.user)
    page = client.get("/portal/documents/").content.decode()
    assert "After-care leaflet" in page
    assert "Insurance notes" not in page and "Wrong letter" not in page
    assert client.get(f"/portal/documents/{shared.pk}/download/").status_code == 200
    for hidden in (internal, withdrawn, someone_elses):
        assert client.get(f"/portal/documents/{hidden.pk}/download/").status_code == 404
    # The staff download address is not the patient's.
    assert client.get(f"/documents/{shared.pk}/download/").status_code == 403


def test_patient_a_cannot_read_patient_bs_own_upload(client, signed_in, second_patient, patient):
    signed_in(second_patient.user)
    client.post("/portal/documents/upload/", form_data(title="B's referral"))
    document = PatientDocument.objects.get()

    signed_in(patient.user)
    assert client.get(f"/portal/documents/{document.pk}/download/").status_code == 404
    assert "B&#x27;s referral" not in client.get("/portal/documents/").content.decode()
