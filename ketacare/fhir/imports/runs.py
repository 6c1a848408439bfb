"""The import page's runs: upload → dry-run report → confirm (import) or discard. Each step is an action
(permission, validation naming the field, one transaction, audit); the file is kept on the run only until
it is imported or discarded. Imports run inline in the request: uploads are capped (FHIR_IMPORT_MAX_MB);
`ketacare import fhir` takes files of any size."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.fhir.imports.actions import ImportReport, import_resources
from ketacare.fhir.imports.models import ImportRun, ImportRunStatus
from ketacare.fhir.imports.reader import ImportFileError, read_text

ACCEPTED_SUFFIXES = (".json", ".ndjson")


def runs_of(user):
    """The organisation's import runs, newest first (clinic admins of that organisation only)."""
    require_permission(user, Permission.RECORDS_IMPORT)
    return ImportRun.objects.filter(organisation_id=user.organisation_id).select_related("uploaded_by")


def run_of(user, run_id: int) -> ImportRun:
    run = runs_of(user).filter(pk=run_id).first()
    if run is None:
        raise Http404("No such import")
    return run


def _upload_text(upload) -> str:
    name = upload.name or ""
    if not name.lower().endswith(ACCEPTED_SUFFIXES):
        raise ValidationError({"upload": "Upload a FHIR Bundle (.json) or an NDJSON file (.ndjson)."})
    limit = settings.FHIR_IMPORT_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            {
                "upload": f"The file is larger than {settings.FHIR_IMPORT_MAX_MB} MB: import it with "
                "`ketacare import fhir` on the server, or split it."
            }
        )
    try:
        return b"".join(upload.chunks()).decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError({"upload": "The file is not UTF-8 text (FHIR JSON is UTF-8)."}) from None


def _check(run: ImportRun, actor, *, dry_run: bool) -> ImportReport:
    try:
        incoming = read_text(run.content, run.file_name)
    except ImportFileError as exc:
        raise ValidationError({"upload": f"{exc} Nothing was imported."}) from None
    return import_resources(
        actor,
        run.organisation,
        incoming,
        source_name=run.source_name,
        home_location=run.home_location,
        dry_run=dry_run,
    )


@transaction.atomic
def do_check_fhir_import(actor, *, upload, source_name: str, home_location: Location | None = None) -> ImportRun:
    """Keep the upload and run the import as a dry run: the run holds the report to confirm."""
    require_permission(actor, Permission.RECORDS_IMPORT)
    if actor.organisation_id is None:
        raise PermissionDenied("Your account belongs to no clinic.")
    run = ImportRun(
        organisation=actor.organisation,
        uploaded_by=actor,
        file_name=(upload.name or "")[:255],
        source_name=source_name,
        home_location=home_location,
        content=_upload_text(upload),
    )
    run.dry_run_report = _check(run, actor, dry_run=True).as_json()
    run.save(force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        run,
        detail={"dry_run": True, "file": run.file_name, "source": source_name},
    )
    return run


@transaction.atomic
def do_confirm_fhir_import(actor, run_id: int) -> ImportRun:
    """Import what the dry run reported (checked again now: the clinic may have changed since)."""
    run = _pending(actor, run_id)
    run.import_report = _check(run, actor, dry_run=False).as_json()
    run.status = ImportRunStatus.IMPORTED
    run.imported_at = timezone.now()
    run.content = ""
    run.save(update_fields=["import_report", "status", "imported_at", "content"])
    record_event(actor, AuditAction.STATUS_CHANGE, run, detail={"status": run.status, "file": run.file_name})
    return run


@transaction.atomic
def do_discard_fhir_import(actor, run_id: int) -> ImportRun:
    """Drop an upload that will not be imported (its file goes; the dry-run report stays)."""
    run = _pending(actor, run_id)
    run.status = ImportRunStatus.DISCARDED
    run.content = ""
    run.save(update_fields=["status", "content"])
    record_event(actor, AuditAction.STATUS_CHANGE, run, detail={"status": run.status, "file": run.file_name})
    return run


def _pending(actor, run_id: int) -> ImportRun:
    run = run_of(actor, run_id)
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.status != ImportRunStatus.CHECKED:
        raise ValidationError({"status": f"This import is already {run.get_status_display().lower()}."})
    return run
