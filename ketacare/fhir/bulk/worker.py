"""The export worker (`ketacare fhir bulk-worker`): claim a queued job, stream each type into its NDJSON
file, record the manifest; and remove the files of jobs older than KETACARE_BULK_EXPORT_KEEP_HOURS.

Claiming is the outbox's protocol (outbox/actions.py): lock the oldest queued job (select_for_update
skip_locked, so a second worker on PostgreSQL passes over it) and mark it running with a conditional UPDATE
matched on its status, so of two workers exactly one wins (on SQLite the UPDATE alone decides). A running job
holds a lease renewed at each type; a job whose worker died (lease expired) is claimed again and restarted.
A job cancelled while running stops at its next type and its files are removed.

Memory stays flat however large the clinic: resources go from the database cursor (registry.iter_resources,
in chunks) to the file one line at a time (ndjson.write_ndjson); no list of a type's resources is ever held.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ketacare.audit.actions import audit_event, record_event, record_events
from ketacare.audit.models import AuditAction
from ketacare.fhir import registry, selectors
from ketacare.fhir.bulk.files import file_name_for, file_path, make_job_directory, remove_job_files
from ketacare.fhir.bulk.models import ExportJob, ExportLevel, ExportStatus
from ketacare.fhir.mappers.groups import location_patients
from ketacare.fhir.ndjson import write_ndjson
from ketacare.fhir.registry import REGISTRY, STATIC, Scope
from ketacare.patients.models import Patient

logger = logging.getLogger(__name__)

# A worker renews its claim at each type; a type of a large clinic takes minutes, not an hour.
LEASE = dt.timedelta(hours=1)
# Per-patient audit entries (accounting of disclosures) are appended this many to a statement.
AUDIT_BATCH = 1000


@dataclass
class WorkerPass:
    exported: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    removed: int = 0

    def __str__(self) -> str:
        return f"exports done: {len(self.exported)}, failed: {len(self.failed)}, expired files removed: {self.removed}"


def run_pass() -> WorkerPass:
    """Remove expired files, then run every queued job (one at a time)."""
    result = WorkerPass(removed=remove_expired_files())
    while (job := claim_next()) is not None:
        if run_job(job):
            result.exported.append(job.pk)
        else:
            result.failed.append(job.pk)
    return result


def claim_next() -> ExportJob | None:
    now = timezone.now()
    claimable = Q(status=ExportStatus.QUEUED) | Q(status=ExportStatus.RUNNING, lease_until__lt=now)
    while True:
        with transaction.atomic():
            job = ExportJob.objects.select_for_update(skip_locked=True).filter(claimable).order_by("created_at").first()
            if job is None:
                return None
            claimed = ExportJob.objects.filter(pk=job.pk, status=job.status, lease_until=job.lease_until).update(
                status=ExportStatus.RUNNING, started_at=now, lease_until=now + LEASE, progress="Starting"
            )
        if claimed:
            job.refresh_from_db()
            return job


def _still_running(job: ExportJob, progress: str) -> bool:
    """Renew the claim and show the progress; False when the job was cancelled meanwhile."""
    return bool(
        ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
            progress=progress[:200], lease_until=timezone.now() + LEASE
        )
    )


def _patients(job: ExportJob, scope: Scope):
    """The ids of the patients a Patient or Group export is about; None for a system export (everything)."""
    if job.level == ExportLevel.SYSTEM:
        return None
    if job.level == ExportLevel.GROUP:
        return location_patients(job.group_location_id, scope.organisation_id)
    return Patient.objects.filter(organisation_id=scope.organisation_id, merged_into__isnull=True).values("pk")


def _resources(type_name: str, scope: Scope, job: ExportJob, patients):
    if type_name in STATIC:
        return iter(STATIC[type_name].resources())
    return registry.iter_resources(REGISTRY[type_name], scope, since=job.since, patients=patients)


def run_job(job: ExportJob) -> bool:
    """Export the job's types into its directory; True when done (or cancelled meanwhile), False when failed."""
    try:
        scope = selectors.scope_for(job.requested_by)
        patients = _patients(job, scope)
        make_job_directory(job.pk)
        output = []
        for number, type_name in enumerate(job.types, 1):
            if not _still_running(job, f"Exporting {type_name} ({number} of {len(job.types)} types)"):
                remove_job_files(job.pk)
                return True
            name = file_name_for(type_name)
            path = file_path(job.pk, name)
            with open(path, "w", encoding="utf-8") as stream:
                count = write_ndjson(_resources(type_name, scope, job, patients), stream)
            if count:
                output.append({"type": type_name, "file": name, "count": count})
            else:  # Bulk Data: a type with no resources has no file
                path.unlink()
        with transaction.atomic():
            finished = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
                status=ExportStatus.DONE, output=output, progress="Done", finished_at=timezone.now(), lease_until=None
            )
            if finished:
                _audit(job, scope, patients, output)
        if not finished:
            remove_job_files(job.pk)
        return True
    except Exception as exc:  # a failed export is reported on its status URL, and the worker goes on
        logger.exception("FHIR bulk export %s failed", job.pk)
        remove_job_files(job.pk)
        ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
            status=ExportStatus.FAILED,
            error=f"The export failed ({type(exc).__name__}); the server's log has the details.",
            progress="Failed",
            finished_at=timezone.now(),
            lease_until=None,
        )
        return False


def _audit(job: ExportJob, scope: Scope, patients, output: list[dict]) -> None:
    """One entry for the job (its types and counts) and, as for every FHIR read (selectors._audit), one per
    patient whose data the files carry, so each patient's accounting of disclosures lists the export."""
    counts = {entry["type"]: entry["count"] for entry in output}
    detail = {"interface": "fhir", "interaction": "bulk-export", "job": job.pk, "level": job.level}
    record_event(
        job.requested_by,
        AuditAction.EXPORT,
        job,
        organisation=job.organisation,
        detail={**detail, "request": job.request_url, "counts": counts},
    )
    batch = []
    for patient in _patients_exported(job, scope, patients, counts).iterator(chunk_size=AUDIT_BATCH):
        batch.append(
            audit_event(
                job.requested_by,
                AuditAction.EXPORT,
                patient=patient,
                organisation=job.organisation,
                object_type="fhir.bulk_export",
                object_id=job.pk,
                detail=detail,
            )
        )
        if len(batch) == AUDIT_BATCH:
            record_events(batch)
            batch = []
    if batch:
        record_events(batch)


def _patients_exported(job: ExportJob, scope: Scope, patients, counts: dict[str, int]):
    """The patients with at least one row in the files: the database answers, so memory stays flat."""
    about = Q(pk__in=[])
    for type_name in counts:
        for source in REGISTRY[type_name].sources if type_name in REGISTRY else ():
            rows = registry.export_rows(source, scope, since=job.since, patients=patients)
            path = None if rows is None else registry.compartment_path(source, rows)
            if source.visible(scope) and path is not None:
                about |= Q(pk__in=rows.values(path))
    return Patient.objects.filter(about).only("pk", "organisation_id").order_by("pk")


def remove_expired_files(now: dt.datetime | None = None) -> int:
    """Remove the files of finished jobs older than KETACARE_BULK_EXPORT_KEEP_HOURS; how many jobs."""
    now = now or timezone.now()
    expired = ExportJob.objects.filter(
        files_removed_at__isnull=True,
        status__in=[ExportStatus.DONE, ExportStatus.FAILED],
        finished_at__lt=now - dt.timedelta(hours=settings.BULK_EXPORT_KEEP_HOURS),
    )
    removed = 0
    for job_id in expired.values_list("pk", flat=True):
        remove_job_files(job_id)
        removed += ExportJob.objects.filter(pk=job_id, files_removed_at__isnull=True).update(files_removed_at=now)
    return removed
