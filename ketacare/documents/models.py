"""Files on a patient's record: referral letters, prior records, labs and ECGs, ID and insurance cards.

Reached only through documents/selectors.py (organisation and role checks, every download audited).
Nothing here is deleted or rewritten: a document filed by mistake gets an "entered in error" mark
(its own append-only row) and its file stays in storage.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from ketacare.clinics.models import Organisation
from ketacare.documents.domain.uploads import DISPLAY_NAME_MAX_CHARS
from ketacare.patients.models import Patient


class DocumentCategory(models.TextChoices):
    REFERRAL = "referral", "Referral letter"
    PRIOR_RECORDS = "prior_records", "Prior records"
    LAB_ECG = "lab_ecg", "Lab result or ECG"
    ID = "id", "Photo ID"
    INSURANCE_CARD = "insurance_card", "Insurance card"
    OTHER = "other", "Other"


class DocumentSource(models.TextChoices):
    STAFF = "staff", "Clinic staff"
    PORTAL = "portal", "Patient portal"


class DocumentChangeRefused(RuntimeError):
    pass


class PatientDocument(models.Model):
    """One uploaded file, as checked and stored (documents/domain/uploads.py).

    `original_name` is what the uploader called it, cleaned, for display only; the file lives in the
    "documents" storage under `stored_name`, a random name. `content_type` is what the content was
    found to be, `sha256` is over the stored bytes. The row is written once: a merge of duplicate
    records may move it to the surviving patient (a queryset update), nothing else changes it.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="patient_documents")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="documents")
    category = models.CharField(max_length=20, choices=DocumentCategory.choices)
    document_date = models.DateField(help_text="The date on the document (a letter's date, a test's date)")
    title = models.CharField(max_length=200)
    original_name = models.CharField(max_length=DISPLAY_NAME_MAX_CHARS)
    stored_name = models.CharField(max_length=100, unique=True)
    content_type = models.CharField(max_length=50)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=10, choices=DocumentSource.choices)
    shared_with_patient = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-document_date", "-uploaded_at", "-id"]
        indexes = [models.Index(fields=["patient", "-document_date"], name="document_patient_date")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise DocumentChangeRefused("A document is written once; mark it entered in error instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DocumentChangeRefused("Documents are never deleted; mark it entered in error instead")

    @property
    def is_entered_in_error(self) -> bool:
        return hasattr(self, "entered_in_error")


class DocumentEnteredInError(models.Model):
    """A document withdrawn from the record (wrong patient, wrong file): who, when and why.

    At most one per document; append-only (guard.py), so the mark cannot be taken back or edited.
    """

    document = models.OneToOneField(PatientDocument, on_delete=models.PROTECT, related_name="entered_in_error")
    reason = models.TextField()
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "document entered in error"
        verbose_name_plural = "documents entered in error"

    def __str__(self) -> str:
        return f"{self.document} entered in error"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise DocumentChangeRefused("An entered-in-error mark is written once")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise DocumentChangeRefused("An entered-in-error mark is never deleted")
