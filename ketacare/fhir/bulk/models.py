import secrets

from django.conf import settings
from django.db import models


def new_job_id() -> str:
    """Unguessable (the status and file URLs carry it), though only the requester may use them anyway."""
    return secrets.token_urlsafe(24)


class ExportLevel(models.TextChoices):
    SYSTEM = "system", "System (every patient and everything else)"
    PATIENT = "patient", "Patient (every patient's compartment)"
    GROUP = "group", "Group (the patients of one location)"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ExportJob(models.Model):
    """One `$export` request: what it asked for, its progress, and the files it wrote.

    `output` lists `{"type", "file", "count"}` in the order written. Files live under
    KETACARE_BULK_EXPORT_DIR/<id>/ until the job is cancelled or older than KETACARE_BULK_EXPORT_KEEP_HOURS.
    """

    id = models.CharField(primary_key=True, max_length=40, default=new_job_id, editable=False)
    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=10, choices=ExportLevel.choices)
    group_location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    request_url = models.TextField()
    types = models.JSONField(help_text="The resource types to export, in order")
    since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    progress = models.CharField(max_length=200, blank=True)
    output = models.JSONField(default=list)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # While running: a worker that stops renewing its claim (it died) leaves the job to another.
    lease_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    files_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="fhir_bulk_status_created")]

    def __str__(self) -> str:
        return f"$export {self.id} ({self.status})"
