"""Consent texts (versioned per clinic), the signatures given on them, and their revocations.

Signed consents and revocations are never updated or deleted (append-only in the database too:
guard.py); revoking is a new ConsentRevocation row.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from ketacare.consents.domain.rules import COVERAGE_LABELS, COVERAGE_VALUES, Coverage

COVERAGE_CHOICES = [(coverage.value, COVERAGE_LABELS[coverage]) for coverage in Coverage]


class CoSignature(models.TextChoices):
    NONE = "none", "Patient only"
    WITNESS = "witness", "Patient and a staff witness"
    PRESCRIBER = "prescriber", "Patient and a prescriber's co-signature"


class Channel(models.TextChoices):
    PORTAL = "portal", "Patient portal"
    KIOSK = "kiosk", "Clinic tablet (kiosk mode)"
    IN_PERSON = "in_person", "In person with staff"


class ConsentTemplate(models.Model):
    """One version (major.minor) of a consent text. Rows are never edited: a change is a new version.

    organisation None = a built-in example shipped with KetaCare (builtins.py), which a clinic must
    review; a clinic's edit is a row of its own that continues the numbering. A minor version
    (wording) keeps earlier signatures valid; a new major version supersedes them.
    """

    organisation = models.ForeignKey(
        "clinics.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="consent_templates"
    )
    key = models.SlugField(max_length=60)
    version_major = models.PositiveIntegerField(default=1)
    version_minor = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    body_markdown = models.TextField()
    covers = models.JSONField(default=list)  # Coverage values
    co_signature = models.CharField(max_length=20, choices=CoSignature.choices, default=CoSignature.NONE)
    # None: valid until the template's next major version only.
    valid_months = models.PositiveIntegerField(null=True, blank=True)
    source = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "-version_major", "-version_minor"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key", "version_major", "version_minor"],
                condition=Q(organisation__isnull=False),
                name="consent_template_org_key_version",
            ),
            models.UniqueConstraint(
                fields=["key", "version_major", "version_minor"],
                condition=Q(organisation__isnull=True),
                name="consent_template_builtin_key_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def version(self) -> str:
        return f"{self.version_major}.{self.version_minor}"

    @property
    def is_builtin(self) -> bool:
        return self.organisation_id is None

    def covers_labels(self) -> list[str]:
        return [COVERAGE_LABELS[Coverage(value)] for value in self.covers if value in COVERAGE_VALUES]

    def clean(self) -> None:
        if not isinstance(self.covers, list) or not self.covers:
            raise ValidationError({"covers": "Choose what this consent covers."})
        unknown = [value for value in self.covers if value not in COVERAGE_VALUES]
        if unknown:
            raise ValidationError({"covers": f"Unknown: {', '.join(map(str, unknown))}."})
        if self.valid_months is not None and not 1 <= self.valid_months <= 120:
            raise ValidationError(
                {"valid_months": "Between 1 and 120 months, or blank (until the next major version)."}
            )


class SignedConsent(models.Model):
    """A patient's signature on one template version: the exact text, its SHA-256 and the signed PDF.

    Append-only (guard.py): nothing here changes after signing; a revocation is a ConsentRevocation.
    """

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="signed_consents")
    template = models.ForeignKey(ConsentTemplate, on_delete=models.PROTECT, related_name="signatures")
    text_signed = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)  # None: until the next major version
    typed_name = models.CharField(max_length=200)
    signature_png = models.BinaryField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    source_address = models.GenericIPAddressField(null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pdf = models.BinaryField()

    class Meta:
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["patient", "-signed_at"], name="signed_consent_patient")]

    def __str__(self) -> str:
        return f"{self.template.title} v{self.template.version} signed by {self.typed_name}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("A signed consent is never changed; record a revocation instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("A signed consent is never deleted; record a revocation instead.")


class ConsentRevocation(models.Model):
    """The patient withdrew a signed consent (told staff, or in the portal): who recorded it, when, why."""

    consent = models.OneToOneField(SignedConsent, on_delete=models.PROTECT, related_name="revocation")
    reason = models.TextField()
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Revocation of consent {self.consent_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("A revocation is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("A revocation is never deleted.")
