"""The clinic admin's import page: upload → dry-run report → confirm → the import's report."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.fhir.imports import runs
from ketacare.fhir.imports.actions import RESULTS, ImportReport
from ketacare.fhir.imports.forms import ImportUploadForm
from ketacare.lib.views import run_action, run_form_action


def _run_url(run) -> str:
    return reverse("fhir_imports:run", args=[run.pk])


@permission_required(Permission.RECORDS_IMPORT)
def upload(request):
    """Upload a file: it is checked at once (a dry run) and the report shown before anything is written."""
    form = ImportUploadForm(request.POST or None, request.FILES or None, organisation=request.user.organisation)
    return run_form_action(
        request,
        form,
        lambda: runs.do_check_fhir_import(request.user, **form.action_fields()),
        success="Checked: nothing has been imported yet. Read the report, then import or discard.",
        redirect_to=_run_url,
    ) or render(
        request,
        "fhir_imports/upload.html",
        {"form": form, "runs": runs.runs_of(request.user)[:20], "max_mb": runs.settings.FHIR_IMPORT_MAX_MB},
        status=422 if form.errors else 200,
    )


@permission_required(Permission.RECORDS_IMPORT)
def run(request, run_id: int):
    found = runs.run_of(request.user, run_id)
    reports = [
        (title, ImportReport.from_json(data))
        for title, data in (("Import", found.import_report), ("Dry run", found.dry_run_report))
        if data
    ]
    return render(request, "fhir_imports/run.html", {"run": found, "reports": reports, "results": RESULTS})


@permission_required(Permission.RECORDS_IMPORT)
@require_POST
def confirm(request, run_id: int):
    return run_action(
        request,
        lambda: runs.do_confirm_fhir_import(request.user, run_id),
        success="Imported. The report below lists every resource.",
        redirect_to=reverse("fhir_imports:run", args=[run_id]),
        failure="Not imported.",
    )


@permission_required(Permission.RECORDS_IMPORT)
@require_POST
def discard(request, run_id: int):
    return run_action(
        request,
        lambda: runs.do_discard_fhir_import(request.user, run_id),
        success="Discarded: the file was deleted and nothing was imported.",
        redirect_to=reverse("fhir_imports:run", args=[run_id]),
    )
