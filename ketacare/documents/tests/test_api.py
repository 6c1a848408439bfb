"""/api/v1/documents: the same checks as the pages (content type, size, organisation, audit)."""

import io

import pytest

from ketacare.audit.models import AuditAction
from ketacare.documents.models import PatientDocument
from ketacare.documents.tests.conftest import PDF_BYTES, jpeg_with_gps

pytestmark = pytest.mark.django_db
BASE = "/api/v1/documents"


def multipart(content=PDF_BYTES, name="letter.pdf", **fields):
    handle = io.BytesIO(content)
    handle.name = name
    return {"file": handle, "category": "lab_ecg", "document_date": "2026-02-01", "title": "ECG"} | fields


def test_upload_list_download_and_withdraw(signed_in, staff, patient, audit_entries):
    client = signed_in(staff["nurse"])

    created = client.post(f"{BASE}/patients/{patient.pk}", multipart(jpeg_with_gps(), "ecg.jpeg"))
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["content_type"], body["original_name"], body["entered_in_error"]) == ("image/jpeg", "ecg.jpg", None)

    listed = client.get(f"{BASE}/patients/{patient.pk}").json()
    assert [item["id"] for item in listed] == [body["id"]]

    download = client.get(f"{BASE}/{body['id']}/download")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/jpeg"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"Exif" not in b"".join(download.streaming_content)
    assert audit_entries(action=AuditAction.EXPORT, object_id=str(body["id"]))

    withdrawn = client.post(
        f"{BASE}/{body['id']}/entered-in-error", {"reason": "Wrong patient"}, content_type="application/json"
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["entered_in_error"]["reason"] == "Wrong patient"


def test_html_named_pdf_is_a_422_naming_the_file(signed_in, staff, patient):
    response = signed_in(staff["front_desk"]).post(
        f"{BASE}/patients/{patient.pk}", multipart(b"<html><script>x()</script></html>", "letter.pdf")
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "file"] and "not a PDF, JPEG or PNG" in error["msg"]
    assert not PatientDocument.objects.exists()


def test_oversize_is_a_422_naming_the_file(signed_in, staff, patient, settings):
    settings.DOCUMENT_MAX_MB = 1
    response = signed_in(staff["front_desk"]).post(
        f"{BASE}/patients/{patient.pk}", multipart(PDF_BYTES + b"0" * (1024 * 1024))
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "file"]


def test_another_organisation_gets_404_everywhere(signed_in, staff, other_staff, patient):
    document_id = signed_in(staff["front_desk"]).post(f"{BASE}/patients/{patient.pk}", multipart()).json()["id"]
    client = signed_in(other_staff["clinic_admin"])
    assert client.get(f"{BASE}/patients/{patient.pk}").status_code == 404
    assert client.get(f"{BASE}/{document_id}/download").status_code == 404
    assert client.post(f"{BASE}/patients/{patient.pk}", multipart()).status_code == 404
    marked = client.post(f"{BASE}/{document_id}/entered-in-error", {"reason": "x"}, content_type="application/json")
    assert marked.status_code == 404
    assert PatientDocument.objects.count() == 1


def test_roles_the_matrix_refuses_get_403(signed_in, staff, patient):
    assert signed_in(staff["therapist"]).post(f"{BASE}/patients/{patient.pk}", multipart()).status_code == 403
    assert signed_in(patient.user).get(f"{BASE}/patients/{patient.pk}").status_code in (401, 403)
