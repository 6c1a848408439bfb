"""Charges: a service given, priced, editable while a draft, then final and posted to the patient's account."""

from django.db import models

from ketacare.billing.models.common import MONEY, USER, CurrencyField
from ketacare.billing.models.fees import CodeSystem, FeeScheduleItem


class ChargeStatus(models.TextChoices):
    DRAFT = "draft", "Draft (billing may edit)"
    FINAL = "final", "Final (posted to the account)"
    VOIDED = "voided", "Voided"


class Charge(models.Model):
    """One line of service. Edits while a draft are audited; a final charge changes only by a reversal entry."""

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="charges")
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    service_date = models.DateField(help_text="The location's local date of service")
    fee_item = models.ForeignKey(FeeScheduleItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    code_system = models.CharField(max_length=10, choices=CodeSystem.choices)
    code = models.CharField(max_length=10)
    modifiers = models.CharField(max_length=11, blank=True)
    description = models.CharField(max_length=200)
    units = models.DecimalField(max_digits=8, decimal_places=2, default=1)
    unit_price = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)
    currency = CurrencyField()
    # ICD-10-CM codes from the chart, in pointer order (at most four on a claim line).
    diagnosis_codes = models.JSONField(default=list, blank=True)
    place_of_service = models.CharField(max_length=2, default="11")
    rendering_provider = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # What in the chart created it (fees.ChargeTrigger; blank for a manual charge), and the record itself
    # (at most one of the three set).
    trigger = models.CharField(max_length=24, blank=True)
    treatment_session = models.ForeignKey(
        "treatments.TreatmentSession", on_delete=models.PROTECT, null=True, blank=True, related_name="charges"
    )
    consultation_note = models.ForeignKey(
        "consultations.ConsultationNote", on_delete=models.PROTECT, null=True, blank=True, related_name="charges"
    )
    progress_note = models.ForeignKey(
        "therapy.ProgressNote", on_delete=models.PROTECT, null=True, blank=True, related_name="charges"
    )
    prior_authorization = models.ForeignKey(
        "billing.PriorAuthorization", on_delete=models.PROTECT, null=True, blank=True, related_name="charges"
    )
    status = models.CharField(max_length=8, choices=ChargeStatus.choices, default=ChargeStatus.DRAFT)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-service_date", "-id"]
        indexes = [models.Index(fields=["organisation", "status", "service_date"], name="charge_org_status_date")]
        constraints = [
            models.CheckConstraint(condition=models.Q(units__gt=0), name="charge_units_positive"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="charge_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} × {self.units} on {self.service_date}"
