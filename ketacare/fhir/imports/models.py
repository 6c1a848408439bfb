"""What an import leaves behind: the source-id map (idempotency) and the page's runs. Historical totals live in
measures (`ExternalScore`), beside the responses whose trend they join."""

from django.conf import settings
from django.db import models

from ketacare.clinics.models import Organisation
from ketacare.patients.models import Patient


class ImportedResource(models.Model):
    """One source resource (or one source identifier of a patient) and the KetaCare row it became.

    A second import of the same resource finds it here: unchanged content (same hash) creates nothing.
    Patients also get one row per identifier they carried (source_system = the identifier's system), so
    the same person arriving from another export of the same system is recognised by their identifier.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    source_system = models.CharField(max_length=255)
    resource_type = models.CharField(max_length=40)
    source_id = models.CharField(max_length=255)
    content_sha256 = models.CharField(max_length=64)
    target_model = models.CharField(max_length=60)  # app_label.Model
    target_id = models.BigIntegerField()
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source_system", "resource_type", "source_id"],
                name="imported_resource_unique_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.source_id} from {self.source_system}"


class ImportRunStatus(models.TextChoices):
    CHECKED = "checked", "Checked (dry run)"
    IMPORTED = "imported", "Imported"
    DISCARDED = "discarded", "Discarded"


class ImportRun(models.Model):
    """An upload on the clinic admin's import page: its dry-run report, then the import's.

    The file is kept in `content` only until it is imported or discarded (uploads are capped at
    FHIR_IMPORT_MAX_BYTES, so this stays small), then cleared.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    source_name = models.CharField(max_length=60)
    home_location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    content = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=ImportRunStatus.choices, default=ImportRunStatus.CHECKED)
    dry_run_report = models.JSONField(default=dict)
    import_report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"
