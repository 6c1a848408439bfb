"""The clinic admin's import page: upload → dry-run report → import → report; other clinics see nothing."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ketacare.audit.models import AuditEntry
from ketacare.fhir.imports.models import ImportRun, ImportRunStatus
from ketacare.patients.models import Patient

PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "name": [{"family": "Rivera", "given": ["Ana"]}],
    "birthDate": "1984-02-03",
}
LAB = {
    "resourceType": "Observation",
    "id": "lab1",
    "status": "final",
    "subject": {"reference": "Patient/p1"},
    "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7"}]},
    "valueQuantity": {"value": 90},
}


def ndjson(*resources) -> SimpleUploadedFile:
    return SimpleUploadedFile("old-ehr.ndjson", "\n".join(json.dumps(r) for r in resources).encode())


def test_upload_check_confirm_and_report(staff, signed_in):
    admin = signed_in(staff["clinic_admin"])

    checked = admin.post(
        reverse("fhir_imports:upload"), {"upload": ndjson(PATIENT, LAB), "source_name": "old-ehr"}, follow=True
    )

    assert b"nothing was written" in checked.content and b"2345-7 is not imported" in checked.content
    run = ImportRun.objects.get()
    assert run.status == ImportRunStatus.CHECKED and not Patient.objects.filter(last_name="Rivera").exists()

    imported = admin.post(reverse("fhir_imports:confirm", args=[run.pk]), follow=True)

    assert b"Imported." in imported.content
    run.refresh_from_db()
    assert run.status == ImportRunStatus.IMPORTED and run.content == ""
    assert Patient.objects.get(last_name="Rivera").organisation == staff["clinic_admin"].organisation
    assert AuditEntry.objects.filter(object_type="fhir.import").exists()
    # Once imported it cannot be imported again from the page.
    again = admin.post(reverse("fhir_imports:confirm", args=[run.pk]), follow=True)
    assert b"already imported" in again.content and Patient.objects.filter(last_name="Rivera").count() == 1


def test_a_bad_file_is_refused_on_the_form_and_nothing_is_kept(staff, signed_in, settings):
    settings.FHIR_IMPORT_MAX_MB = 1
    admin = signed_in(staff["clinic_admin"])
    bundle = SimpleUploadedFile("history.json", json.dumps({"resourceType": "Bundle", "type": "history"}).encode())

    for upload, message in (
        (bundle, b"type &#x27;history&#x27; carries no resources"),
        (SimpleUploadedFile("notes.pdf", b"%PDF-1.4"), b"Upload a FHIR Bundle (.json)"),
        (SimpleUploadedFile("x.ndjson", b"not json at all"), b"not JSON"),
        (SimpleUploadedFile("big.ndjson", b" " * (1024 * 1024 + 1)), b"larger than 1 MB"),
    ):
        response = admin.post(reverse("fhir_imports:upload"), {"upload": upload, "source_name": "old-ehr"})
        assert response.status_code == 422 and message in response.content

    assert not ImportRun.objects.exists()


def test_another_clinics_admin_cannot_see_the_results(staff, other_staff, signed_in, client):
    signed_in(staff["clinic_admin"]).post(
        reverse("fhir_imports:upload"), {"upload": ndjson(PATIENT), "source_name": "old-ehr"}
    )
    run = ImportRun.objects.get()
    client.logout()
    other = signed_in(other_staff["clinic_admin"])

    assert other.get(reverse("fhir_imports:run", args=[run.pk])).status_code == 404
    assert other.post(reverse("fhir_imports:confirm", args=[run.pk])).status_code == 404
    assert b"old-ehr.ndjson" not in other.get(reverse("fhir_imports:upload")).content
    run.refresh_from_db()
    assert run.status == ImportRunStatus.CHECKED
