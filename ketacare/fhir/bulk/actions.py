"""Start and cancel Bulk Data exports (the worker, worker.py, does the exporting)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.fhir import registry, selectors
from ketacare.fhir.bulk.files import remove_job_files
from ketacare.fhir.bulk.models import ExportJob, ExportLevel, ExportStatus
from ketacare.fhir.bulk.params import ExportParams
from ketacare.fhir.domain.scopes import READ, SmartGrant
from ketacare.fhir.domain.search import SearchError
from ketacare.fhir.mappers.groups import GROUP_SOURCE_KEY
from ketacare.fhir.registry import REGISTRY, STATIC

# A client polls its jobs rather than queueing many: more at once is refused (429) until one finishes.
MAX_ACTIVE_JOBS_PER_USER = 3


class TooManyJobs(Exception):
    """The requester has MAX_ACTIVE_JOBS_PER_USER exports queued or running already."""


def compartment_types(scope) -> list[str]:
    """The types with resources about a patient: what a Patient or Group export holds."""
    return [
        name
        for name, resource_type in REGISTRY.items()
        if any(registry.compartment_path(source, source.rows(scope)) for source in resource_type.sources)
    ]


def group_location(user, group_id: str) -> Location:
    """The location a `Group/location-<pk>` names, in the user's clinic; 404 for any other id."""
    pk = registry.row_id(group_id.removeprefix(f"{GROUP_SOURCE_KEY}-")) if group_id.startswith(GROUP_SOURCE_KEY) else 0
    location = Location.objects.filter(organisation_id=user.organisation_id, pk=pk).first()
    if location is None:
        raise Http404(f"No Group with id {group_id!r}.")
    return location


def _types_to_export(user, level: str, params: ExportParams, grant: SmartGrant | None) -> list[str]:
    scope = selectors.scope_for(user)
    if scope.patient_id is not None:
        raise PermissionDenied("A patient reads their own record in the portal; a bulk export is for the clinic.")
    allowed = [*REGISTRY, *STATIC] if level == ExportLevel.SYSTEM else compartment_types(scope)
    if params.types:
        for type_name in params.types:
            if type_name not in allowed:
                raise SearchError("_type", f"{type_name} resources are about no patient: not in a {level} export.")
            if grant is not None and not grant.allows(type_name, READ):
                raise PermissionDenied(
                    f"This token was not granted a scope to read {type_name} (system/{type_name}.rs)."
                )
            if type_name in REGISTRY and not registry.readable(REGISTRY[type_name], scope):
                raise PermissionDenied(f"Your role may not read {type_name} resources.")
        return params.types
    return [
        type_name
        for type_name in allowed
        if (grant is None or grant.allows(type_name, READ))
        and (type_name not in REGISTRY or registry.readable(REGISTRY[type_name], scope))
    ]


@transaction.atomic
def do_start_export(
    user,
    level: str,
    params: ExportParams,
    *,
    request_url: str,
    grant: SmartGrant | None = None,
    location: Location | None = None,
) -> ExportJob:
    """Queue an export for the worker; PermissionDenied unless the user may export records (PATIENT_EXPORT)."""
    require_permission(user, Permission.PATIENT_EXPORT)
    types = _types_to_export(user, level, params, grant)
    active = ExportJob.objects.select_for_update().filter(
        requested_by=user, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    )
    if len(active) >= MAX_ACTIVE_JOBS_PER_USER:
        raise TooManyJobs()
    job = ExportJob.objects.create(
        organisation_id=user.organisation_id,
        requested_by=user,
        level=level,
        group_location=location,
        request_url=request_url,
        types=types,
        since=params.since,
        progress="Queued",
    )
    record_event(
        user,
        AuditAction.CREATE,
        job,
        detail={"event": "fhir_bulk_export_requested", "level": level, "types": types, "request": request_url},
    )
    return job


def job_of(user, job_id: str) -> ExportJob:
    """The user's own export (any other user's, or a cancelled one, is not found)."""
    job = ExportJob.objects.filter(pk=job_id, requested_by=user).exclude(status=ExportStatus.CANCELLED).first()
    if job is None or job.files_removed_at is not None:
        raise Http404("No such export (its files may have been removed: start it again).")
    return job


@transaction.atomic
def do_cancel_export(user, job_id: str) -> ExportJob:
    """Cancel the user's export and remove its files; a worker running it stops at its next type."""
    job = job_of(user, job_id)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.CANCELLED, finished_at=timezone.now(), files_removed_at=timezone.now(), lease_until=None
    )
    record_event(user, AuditAction.STATUS_CHANGE, job, detail={"event": "fhir_bulk_export_cancelled"})
    transaction.on_commit(lambda: remove_job_files(job.pk))
    return job
