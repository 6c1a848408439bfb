"""FHIR Bulk Data `$export`: kick-off, the worker, status and manifest, the NDJSON files, `_type` and `_since`,
who sees a job, cancellation, retention, and the audit of every export."""

import datetime as dt
import json
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.fhir.bulk.files import job_directory
from ketacare.fhir.bulk.models import ExportJob, ExportStatus
from ketacare.fhir.bulk.worker import run_pass
from ketacare.fhir.tests.backend_clients import access_token, new_key, register
from ketacare.patients.models import Diagnosis, Patient

ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.BULK_EXPORT_DIR = tmp_path / "bulk"
    return settings.BULK_EXPORT_DIR


class Requester:
    """A client with an Authorization header: GET/POST/DELETE on paths or absolute URLs."""

    def __init__(self, authorization: str):
        self.headers = {"HTTP_AUTHORIZATION": authorization}
        self.client = Client()

    def get(self, url: str, params=None, **headers):
        return self.client.get(urlparse(url).path if "://" in url else url, params, **self.headers, **headers)

    def post(self, url: str, body: dict, **headers):
        return self.client.post(url, json.dumps(body), content_type="application/fhir+json", **self.headers, **headers)

    def delete(self, url: str):
        return self.client.delete(urlparse(url).path, **self.headers)

    def kick_off(self, path: str = "/fhir/$export", params=None) -> str:
        response = self.get(path, params, **ASYNC)
        assert response.status_code == 202, response.content
        return response["Content-Location"]


@pytest.fixture
def prescriber_requester(staff, bearer):
    return Requester(bearer(staff["prescriber"]))


def manifest_of(requester: Requester, status_url: str) -> dict:
    call_command("fhir", "bulk-worker", "--once")
    response = requester.get(status_url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def download(requester: Requester, url: str) -> list[dict]:
    response = requester.get(url)
    assert response.status_code == 200, getattr(response, "content", b"")
    assert response["Content-Type"] == "application/fhir+ndjson"
    text = b"".join(response.streaming_content).decode()
    return [json.loads(line) for line in text.splitlines()]


def test_a_backend_client_runs_a_bulk_export_end_to_end(record, staff):
    key = new_key("RSA")
    backend = register(staff["clinic_admin"], key)
    requester = Requester(f"Bearer {access_token(backend, key)}")
    status_url = requester.kick_off()
    assert status_url.startswith("http://testserver/fhir/bulk-status/")
    waiting = requester.get(status_url)
    assert waiting.status_code == 202 and waiting["X-Progress"] and waiting["Retry-After"]

    manifest = manifest_of(requester, status_url)
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert manifest["request"] == "http://testserver/fhir/$export"
    assert dt.datetime.fromisoformat(manifest["transactionTime"]) <= timezone.now()
    types = [entry["type"] for entry in manifest["output"]]
    # What the clinic's record holds, Groups too; never what the service account may not read.
    assert {"Patient", "Condition", "Observation", "MedicationAdministration", "Encounter", "Group"} <= set(types)
    for entry in manifest["output"]:
        resources = download(requester, entry["url"])
        assert len(resources) == entry["count"] > 0
        for resource in resources:
            assert resource["resourceType"] == entry["type"]
            FHIRElementFactory.instantiate(entry["type"], resource)  # strict R4 model: bad elements raise
    counts = {entry["type"]: entry["count"] for entry in manifest["output"]}
    assert counts["Patient"] == Patient.objects.filter(organisation=record.patient.organisation).count()
    # Consultation notes are beyond the backend role (as for clinic admins): no consultation Encounter.
    encounters = download(requester, next(e["url"] for e in manifest["output"] if e["type"] == "Encounter"))
    assert all(not resource["id"].startswith("consultation-") for resource in encounters)

    job = ExportJob.objects.get()
    job_entry = AuditEntry.objects.get(action=AuditAction.EXPORT, object_id=job.pk, patient=None)
    assert job_entry.actor == backend.service_account and job_entry.detail["counts"] == counts
    # Each exported patient's accounting of disclosures lists the export.
    assert AuditEntry.objects.filter(
        action=AuditAction.EXPORT, object_type="fhir.bulk_export", object_id=job.pk, patient=record.patient
    ).exists()


def test_kick_off_refusals_are_operation_outcomes(record, prescriber_requester):
    def refused(params=None, status=400, **headers):
        response = prescriber_requester.get("/fhir/$export", params, **headers)
        assert response.status_code == status, response.content
        assert response.json()["resourceType"] == "OperationOutcome"
        return response.json()["issue"][0]["diagnostics"]

    assert "respond-async" in refused()
    assert "NDJSON" in refused({"_outputFormat": "text/csv"}, **ASYNC)
    assert "'Nonsense'" in refused({"_type": "Patient,Nonsense"}, **ASYNC)
    assert "instant" in refused({"_since": "2026-13-01T00:00:00Z"}, **ASYNC)
    assert "instant" in refused({"_since": "2026-01-01"}, **ASYNC)
    assert "_elements" in refused({"_elements": "id"}, **ASYNC)
    assert not ExportJob.objects.exists()
    # Prefer: handling=lenient lets an unsupported parameter pass.
    response = prescriber_requester.get(
        "/fhir/$export", {"_elements": "id"}, HTTP_PREFER="respond-async, handling=lenient"
    )
    assert response.status_code == 202


def test_type_and_since_are_honoured(record, prescriber_requester, staff):
    status_url = prescriber_requester.kick_off(params={"_type": "Patient,Condition", "_outputFormat": "ndjson"})
    assert [entry["type"] for entry in manifest_of(prescriber_requester, status_url)["output"]] == [
        "Patient",
        "Condition",
    ]

    since = timezone.now()
    later = Diagnosis.objects.create(
        patient=record.patient, icd10_code="F41.1", description="GAD", recorded_by=staff["prescriber"]
    )
    status_url = prescriber_requester.kick_off(
        params={"_type": "Condition,Patient,AllergyIntolerance", "_since": since.isoformat()}
    )
    output = manifest_of(prescriber_requester, status_url)["output"]
    # Only what changed since: the new diagnosis; the patient and the allergy did not change (no empty files).
    assert [(entry["type"], entry["count"]) for entry in output] == [("Condition", 1)]
    assert download(prescriber_requester, output[0]["url"])[0]["id"] == str(later.pk)


def test_a_post_kick_off_takes_a_parameters_resource(record, prescriber_requester):
    body = {"resourceType": "Parameters", "parameter": [{"name": "_type", "valueString": "AllergyIntolerance"}]}
    response = prescriber_requester.post("/fhir/$export", body, **ASYNC)
    assert response.status_code == 202, response.content
    output = manifest_of(prescriber_requester, response["Content-Location"])["output"]
    assert [entry["type"] for entry in output] == ["AllergyIntolerance"]


def test_group_and_patient_exports_hold_the_patients_compartments_only(record, prescriber_requester, portland, org):
    Patient.objects.filter(pk=record.patient.pk).update(home_location=portland)
    other_location = org.locations.exclude(pk=portland.pk).first()
    group = prescriber_requester.get(f"/fhir/Group/location-{portland.pk}").json()
    assert group["resourceType"] == "Group" and group["actual"] is True
    FHIRElementFactory.instantiate("Group", group)
    assert {"reference": f"Patient/{record.patient.pk}"} in [member["entity"] for member in group["member"]]

    output = manifest_of(
        prescriber_requester, prescriber_requester.kick_off(f"/fhir/Group/location-{portland.pk}/$export")
    )["output"]
    types = {entry["type"] for entry in output}
    assert "Patient" in types and not types & {"Practitioner", "Location", "Organization", "Group"}
    patients = download(prescriber_requester, next(e["url"] for e in output if e["type"] == "Patient"))
    assert [patient["id"] for patient in patients] == [str(record.patient.pk)]

    empty = manifest_of(
        prescriber_requester, prescriber_requester.kick_off(f"/fhir/Group/location-{other_location.pk}/$export")
    )
    assert empty["output"] == []
    assert prescriber_requester.get("/fhir/Group/location-999999/$export", **ASYNC).status_code == 404

    output = manifest_of(prescriber_requester, prescriber_requester.kick_off("/fhir/Patient/$export"))["output"]
    assert "Practitioner" not in {entry["type"] for entry in output}
    response = prescriber_requester.get("/fhir/Patient/$export", {"_type": "Practitioner"}, **ASYNC)
    assert response.status_code == 400


def test_only_the_requester_sees_a_job_and_its_files(record, prescriber_requester, staff, other_staff, bearer):
    status_url = prescriber_requester.kick_off(params={"_type": "Patient"})
    file_url = manifest_of(prescriber_requester, status_url)["output"][0]["url"]
    for someone in (staff["clinic_admin"], other_staff["prescriber"]):
        other = Requester(bearer(someone))
        assert other.get(status_url).status_code == 404
        assert other.get(file_url).status_code == 404
        assert other.delete(status_url).status_code == 404
    assert Client().get(urlparse(file_url).path).status_code == 401  # requiresAccessToken


def test_cancelling_removes_the_files_and_the_job(record, prescriber_requester, django_capture_on_commit_callbacks):
    status_url = prescriber_requester.kick_off(params={"_type": "Patient"})
    manifest_of(prescriber_requester, status_url)
    job = ExportJob.objects.get()
    assert any(job_directory(job.pk).iterdir())
    with django_capture_on_commit_callbacks(execute=True):  # the files go once the cancellation is committed
        response = prescriber_requester.delete(status_url)
    assert response.status_code == 202
    assert not job_directory(job.pk).exists()
    assert prescriber_requester.get(status_url).status_code == 404
    job.refresh_from_db()
    assert job.status == ExportStatus.CANCELLED
    # A queued job cancelled before the worker reaches it is never run.
    queued_url = prescriber_requester.kick_off(params={"_type": "Patient"})
    assert prescriber_requester.delete(queued_url).status_code == 202
    assert run_pass().exported == []


def test_files_are_removed_after_the_retention_time(record, prescriber_requester, settings):
    settings.BULK_EXPORT_KEEP_HOURS = 24
    status_url = prescriber_requester.kick_off(params={"_type": "Patient"})
    file_url = manifest_of(prescriber_requester, status_url)["output"][0]["url"]
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(hours=23))
    assert run_pass().removed == 0 and job_directory(job.pk).exists()
    ExportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - dt.timedelta(hours=25))
    assert run_pass().removed == 1
    assert not job_directory(job.pk).exists()
    assert prescriber_requester.get(status_url).status_code == 404
    assert prescriber_requester.get(file_url).status_code == 404


def test_a_patient_cannot_start_an_export(record, signed_in, staff, bearer):
    response = signed_in(record.patient.user).get("/fhir/$export", **ASYNC)
    assert response.status_code == 403, response.content
    # Front desk reads charts but may not export records (PATIENT_EXPORT).
    response = Requester(bearer(staff["front_desk"])).get("/fhir/$export", **ASYNC)
    assert response.status_code == 403
    assert not ExportJob.objects.exists()


def test_a_token_exports_only_the_types_its_scopes_grant(record, staff):
    key = new_key("EC")
    backend = register(staff["clinic_admin"], key, "system/Patient.rs system/Condition.rs")
    requester = Requester(f"Bearer {access_token(backend, key, 'system/Patient.rs')}")
    output = manifest_of(requester, requester.kick_off())["output"]
    assert [entry["type"] for entry in output] == ["Patient"]
    response = requester.get("/fhir/$export", {"_type": "Condition"}, **ASYNC)
    assert response.status_code == 403


def test_too_many_running_exports_are_refused_with_429(record, prescriber_requester):
    for _ in range(3):
        prescriber_requester.kick_off(params={"_type": "Patient"})
    response = prescriber_requester.get("/fhir/$export", {"_type": "Patient"}, **ASYNC)
    assert response.status_code == 429 and response["Retry-After"]


def test_a_job_whose_worker_died_is_claimed_again_and_a_running_one_is_not(record, prescriber_requester):
    from ketacare.fhir.bulk.worker import claim_next

    prescriber_requester.kick_off(params={"_type": "Patient"})
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, lease_until=timezone.now() + dt.timedelta(minutes=30)
    )
    assert claim_next() is None  # another worker holds it
    ExportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - dt.timedelta(minutes=1))
    reclaimed = claim_next()
    assert reclaimed is not None and reclaimed.pk == job.pk and reclaimed.lease_until > timezone.now()


def test_a_failed_export_answers_500_and_leaves_no_files(record, prescriber_requester, monkeypatch):
    from ketacare.fhir.bulk import worker

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(worker, "write_ndjson", broken)
    status_url = prescriber_requester.kick_off(params={"_type": "Patient"})
    assert run_pass().failed
    response = prescriber_requester.get(status_url)
    assert response.status_code == 500
    assert "RuntimeError" in response.json()["issue"][0]["diagnostics"]
    assert not job_directory(ExportJob.objects.get().pk).exists()


def test_a_browser_session_needs_its_csrf_token_to_start_an_export(record, staff, signed_in):
    """Kick-off writes a job: a signed-in clinician's browser must not start one for another site."""
    browser = signed_in(staff["prescriber"])
    browser.handler.enforce_csrf_checks = True  # as a browser is checked (the test client skips it by default)
    body = json.dumps({"resourceType": "Parameters", "parameter": [{"name": "_type", "valueString": "Patient"}]})
    forged = browser.post("/fhir/$export", body, content_type="application/fhir+json", **ASYNC)
    assert forged.status_code == 403 and forged.json()["resourceType"] == "OperationOutcome"
    assert not ExportJob.objects.exists()
    token = "k" * 32  # the CSRF cookie a page of the site would have set, sent back in the header
    browser.cookies["csrftoken"] = token
    response = browser.post(
        "/fhir/$export", body, content_type="application/fhir+json", HTTP_X_CSRFTOKEN=token, **ASYNC
    )
    assert response.status_code == 202, response.content
