"""Payers, a patient's coverage, and the Spravato access pathway (benefits, prior authorisation, acquisition)."""

from django.db import models

from ketacare.billing.models.common import MONEY, USER, CurrencyField


class PayerKind(models.TextChoices):
    MEDICARE = "medicare", "Medicare"
    MEDICAID = "medicaid", "Medicaid"
    COMMERCIAL = "commercial", "Commercial"
    SAVINGS_PROGRAM = "savings_program", "Manufacturer savings program"
    OTHER = "other", "Other"


class Payer(models.Model):
    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="payers")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=PayerKind.choices)
    payer_id = models.CharField(max_length=20, blank=True, help_text="Electronic payer id (837P NM1*PR)")
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="payer_unique_name")]

    def __str__(self) -> str:
        return self.name


class SubscriberRelationship(models.TextChoices):
    # X12 individual relationship codes (837P SBR02 / PAT01).
    SELF = "18", "Self"
    SPOUSE = "01", "Spouse"
    CHILD = "19", "Child"
    OTHER = "G8", "Other"


class CoveragePriority(models.TextChoices):
    PRIMARY = "P", "Primary"
    SECONDARY = "S", "Secondary"
    TERTIARY = "T", "Tertiary"


class Coverage(models.Model):
    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="coverages")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="coverages")
    member_id = models.CharField(max_length=40)
    group_number = models.CharField(max_length=40, blank=True)
    priority = models.CharField(max_length=1, choices=CoveragePriority.choices, default=CoveragePriority.PRIMARY)
    relationship = models.CharField(
        max_length=2, choices=SubscriberRelationship.choices, default=SubscriberRelationship.SELF
    )
    # The subscriber when not the patient.
    subscriber_first_name = models.CharField(max_length=100, blank=True)
    subscriber_last_name = models.CharField(max_length=100, blank=True)
    subscriber_date_of_birth = models.DateField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["patient", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "priority"], condition=models.Q(is_active=True), name="coverage_one_per_priority"
            )
        ]


class BenefitsResult(models.TextChoices):
    COVERED = "covered", "Covered"
    COVERED_WITH_AUTHORIZATION = "pa_required", "Covered, prior authorisation required"
    NOT_COVERED = "not_covered", "Not covered"


class BenefitsInvestigation(models.Model):
    """Who checked the patient's benefits for esketamine, when, and what the payer said."""

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="benefits_investigations")
    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="benefits_investigations")
    investigated_at = models.DateTimeField()
    investigated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(max_length=12, choices=BenefitsResult.choices)
    copay = models.DecimalField(**MONEY, null=True, blank=True)
    coinsurance_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    deductible = models.DecimalField(**MONEY, null=True, blank=True)
    deductible_met = models.DecimalField(**MONEY, null=True, blank=True)
    currency = CurrencyField()
    reference = models.CharField(max_length=80, blank=True, help_text="Call reference or portal confirmation")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-investigated_at"]


class AuthorizationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"


class PriorAuthorization(models.Model):
    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="prior_authorizations")
    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="prior_authorizations")
    number = models.CharField(max_length=50, blank=True)
    status = models.CharField(max_length=8, choices=AuthorizationStatus.choices, default=AuthorizationStatus.PENDING)
    service_code = models.CharField(max_length=10, blank=True, help_text="e.g. J0013 or G2083")
    approved_sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    approved_units = models.PositiveIntegerField(null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    requested_at = models.DateTimeField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]


class AcquisitionMode(models.TextChoices):
    BUY_AND_BILL = "buy_and_bill", "Buy and bill (clinic stock)"
    SPECIALTY_PHARMACY = "specialty_pharmacy", "Specialty pharmacy (shipped for this patient)"


class SessionAcquisition(models.Model):
    """How the esketamine given in one session was acquired; a specialty shipment names its ledger receipt."""

    session = models.OneToOneField("treatments.TreatmentSession", on_delete=models.PROTECT, related_name="acquisition")
    mode = models.CharField(max_length=20, choices=AcquisitionMode.choices)
    shipment_receipt = models.ForeignKey(
        "ledger.LedgerEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            # A specialty-pharmacy shipment names its ledger receipt; the clinic's own stock names none.
            models.CheckConstraint(
                condition=(models.Q(mode="specialty_pharmacy") & models.Q(shipment_receipt__isnull=False))
                | (models.Q(mode="buy_and_bill") & models.Q(shipment_receipt__isnull=True)),
                name="acquisition_receipt_iff_specialty_pharmacy",
            )
        ]
