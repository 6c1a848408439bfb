"""Bulk Data `$export` over HTTP: kick-off (202 + Content-Location), status (202 / 200 manifest / 500),
cancellation (DELETE on the status URL) and the files, each only to the user who asked."""

import datetime as dt
import json

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.http import http_date

from ketacare.fhir.bulk import actions
from ketacare.fhir.bulk.files import file_path
from ketacare.fhir.bulk.models import ExportLevel, ExportStatus
from ketacare.fhir.bulk.params import params_from_parameters, parse_export_params, prefer_tokens
from ketacare.fhir.domain.outcome import ISSUE_EXCEPTION, ISSUE_INVALID, ISSUE_THROTTLED
from ketacare.fhir.domain.search import SearchError
from ketacare.fhir.registry import REGISTRY, STATIC
from ketacare.fhir.views import fhir_view, outcome_response

NDJSON = "application/fhir+ndjson"
POLL_SECONDS = 5  # Retry-After while a job is queued or running


def _kick_off(request, user, level: str, location=None) -> HttpResponse:
    prefer = prefer_tokens(request.headers.get("Prefer", ""))
    if "respond-async" not in prefer:
        return outcome_response(400, ISSUE_INVALID, "$export runs asynchronously: send Prefer: respond-async.")
    pairs = [(name, value) for name, values in request.GET.lists() for value in values]
    if request.method == "POST" and request.body:
        try:
            body = json.loads(request.body)
        except ValueError as exc:
            raise SearchError("body", "The body is not JSON (a Parameters resource).") from exc
        pairs += params_from_parameters(body)
    params = parse_export_params(pairs, known_types={*REGISTRY, *STATIC}, lenient="handling=lenient" in prefer)
    try:
        job = actions.do_start_export(
            user,
            level,
            params,
            request_url=request.build_absolute_uri(),
            grant=getattr(request, "smart_grant", None),
            location=location,
        )
    except actions.TooManyJobs:
        response = outcome_response(
            429,
            ISSUE_THROTTLED,
            f"You have {actions.MAX_ACTIVE_JOBS_PER_USER} exports queued or running: wait for one, or cancel one.",
        )
        response["Retry-After"] = str(POLL_SECONDS * 12)
        return response
    status_url = request.build_absolute_uri(reverse("fhir:bulk_status", kwargs={"job_id": job.pk}))
    return HttpResponse(status=202, headers={"Content-Location": status_url})


@fhir_view(methods=("GET", "POST"))
def export_system(request, user):
    return _kick_off(request, user, ExportLevel.SYSTEM)


@fhir_view(methods=("GET", "POST"))
def export_patients(request, user):
    return _kick_off(request, user, ExportLevel.PATIENT)


@fhir_view(methods=("GET", "POST"))
def export_group(request, user, group_id: str):
    return _kick_off(request, user, ExportLevel.GROUP, actions.group_location(user, group_id))


@fhir_view(methods=("GET", "DELETE"))
def status(request, user, job_id: str):
    if request.method == "DELETE":
        actions.do_cancel_export(user, job_id)
        return HttpResponse(status=202)
    job = actions.job_of(user, job_id)
    if job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return HttpResponse(
            status=202, headers={"X-Progress": job.progress or job.status, "Retry-After": str(POLL_SECONDS)}
        )
    if job.status == ExportStatus.FAILED:
        return outcome_response(500, ISSUE_EXCEPTION, job.error or "The export failed.")
    manifest = {
        "transactionTime": job.started_at.isoformat(),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": entry["type"],
                "url": request.build_absolute_uri(
                    reverse("fhir:bulk_file", kwargs={"job_id": job.pk, "file_name": entry["file"]})
                ),
                "count": entry["count"],
            }
            for entry in job.output
        ],
        "error": [],
    }
    # Bulk Data: the manifest is plain JSON; Expires says when the worker removes the files.
    expires = job.finished_at + dt.timedelta(hours=settings.BULK_EXPORT_KEEP_HOURS)
    return JsonResponse(manifest, headers={"Expires": http_date(expires.timestamp())})


@fhir_view
def download(request, user, job_id: str, file_name: str):
    job = actions.job_of(user, job_id)
    if job.status != ExportStatus.DONE or file_name not in {entry["file"] for entry in job.output}:
        raise Http404(f"This export has no file {file_name!r}.")
    path = file_path(job.pk, file_name)
    if not path.exists():
        raise Http404("This file has been removed: start the export again.")
    return FileResponse(open(path, "rb"), content_type=NDJSON)  # FileResponse closes it
