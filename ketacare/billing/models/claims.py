"""Insurance claims built from final charges; exported as X12 837P or printed on the CMS-1500 layout."""

from django.db import models

from ketacare.billing.models.common import MONEY, USER, CurrencyField


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    READY = "ready", "Ready to send"
    SENT = "sent", "Sent"
    PAID = "paid", "Paid"
    DENIED = "denied", "Denied"
    # Ended by another claim naming the payer's claim control number (billing/domain/claims.py).
    REPLACED = "replaced", "Replaced"
    VOIDED = "voided", "Voided"
    # Taken back before the payer received it; its charges may go on another claim.
    WITHDRAWN = "withdrawn", "Withdrawn"


class ClaimFrequency(models.TextChoices):
    """837P CLM05-3 (claim frequency type code)."""

    ORIGINAL = "1", "Original"
    REPLACEMENT = "7", "Replacement"
    VOID = "8", "Void"


class Claim(models.Model):
    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="claims")
    coverage = models.ForeignKey("billing.Coverage", on_delete=models.PROTECT, related_name="claims")
    # The patient control number (837P CLM01), unique per organisation.
    number = models.CharField(max_length=20)
    status = models.CharField(max_length=9, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    total = models.DecimalField(**MONEY)
    currency = CurrencyField()
    place_of_service = models.CharField(max_length=2, default="11")
    diagnosis_codes = models.JSONField(default=list)
    rendering_provider = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    prior_authorization = models.ForeignKey(
        "billing.PriorAuthorization", on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    # A secondary claim to a manufacturer savings program after the primary payer's decision.
    primary_claim = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    frequency_code = models.CharField(max_length=1, choices=ClaimFrequency.choices, default=ClaimFrequency.ORIGINAL)
    # A replacement or void claim: the claim it corrects or cancels (which becomes replaced or voided).
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by_claims"
    )
    # The payer's claim control number from its response (835 CLP07, 277CA), sent as REF*F8 by a
    # replacement or void of this claim.
    payer_claim_number = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    exported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="claim_unique_number"),
            # A claim is replaced or voided once; a later correction corrects the replacement. A withdrawn
            # correction never reached the payer: the claim it corrected may be corrected again.
            models.UniqueConstraint(
                fields=["replaces"], condition=~models.Q(status=ClaimStatus.WITHDRAWN), name="claim_corrected_once"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def replaced_by(self) -> "Claim | None":
        """The replacement or void claim that ended this one."""
        return self.replaced_by_claims.exclude(status=ClaimStatus.WITHDRAWN).first()


class ClaimLineQuerySet(models.QuerySet):
    def holding_charges(self) -> "ClaimLineQuerySet":
        """The lines that keep their charges claimed: a withdrawn claim gave its charges back."""
        return self.exclude(claim__status=ClaimStatus.WITHDRAWN)


class ClaimLine(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="lines")
    charge = models.ForeignKey("billing.Charge", on_delete=models.PROTECT, related_name="claim_lines")
    line_number = models.PositiveSmallIntegerField()

    objects = ClaimLineQuerySet.as_manager()

    class Meta:
        ordering = ["claim", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "line_number"], name="claim_line_unique_number"),
            models.UniqueConstraint(fields=["claim", "charge"], name="claim_line_unique_charge"),
        ]


class ClaimStatusChange(models.Model):
    """Append-only history of a claim's status, with the payer's amounts when it is decided."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="status_changes")
    status = models.CharField(max_length=9, choices=ClaimStatus.choices)
    paid_amount = models.DecimalField(**MONEY, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["changed_at", "id"]


class ClaimExport(models.Model):
    """One 837P file: its interchange control number (ISA13, counted per organisation), the claims in it,
    and the text as written, so the same file can be downloaded again."""

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    control_number = models.PositiveIntegerField()
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    claims = models.ManyToManyField(Claim, related_name="exports")
    content = models.TextField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "control_number"], name="claim_export_unique_control"),
            models.CheckConstraint(
                condition=models.Q(control_number__gte=1, control_number__lte=999_999_999),
                name="claim_export_control_fits_isa13",
            ),
        ]

    def __str__(self) -> str:
        return f"837P {self.control_number:09d}"
