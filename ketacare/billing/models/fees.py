"""The fee schedule and the rules that turn care into charges."""

from django.db import models

from ketacare.billing.models.common import MONEY, USER, CurrencyField


class CodeSystem(models.TextChoices):
    CPT = "cpt", "CPT"  # codes only: CPT descriptors are AMA-copyrighted (docs/billing.md)
    HCPCS = "hcpcs", "HCPCS Level II"
    CLINIC = "clinic", "Clinic code (self-pay only)"


class UnitsRule(models.TextChoices):
    PER_SERVICE = "per_service", "One unit per service"
    PER_MG = "per_mg", "One unit per mg given (e.g. J0013)"
    PER_ADDITIONAL_HOUR = "per_additional_hour", "One unit per additional hour (e.g. 96366)"


class FeeScheduleItem(models.Model):
    """A billable service at the clinic's self-pay price; `location` set when one site prices differently."""

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="fee_items")
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="fee_items"
    )
    code_system = models.CharField(max_length=10, choices=CodeSystem.choices)
    code = models.CharField(max_length=10)
    modifiers = models.CharField(
        max_length=11, blank=True, help_text="Up to four two-character modifiers, comma separated"
    )
    description = models.CharField(max_length=200, help_text="The clinic's own words")
    self_pay_price = models.DecimalField(**MONEY)
    currency = CurrencyField()
    units_rule = models.CharField(max_length=24, choices=UnitsRule.choices, default=UnitsRule.PER_SERVICE)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["code_system", "code", "modifiers"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "location", "code_system", "code", "modifiers"],
                condition=models.Q(is_active=True),
                name="fee_item_unique_active_code",
            ),
            models.CheckConstraint(condition=models.Q(self_pay_price__gte=0), name="fee_item_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code}{' ' + self.modifiers if self.modifiers else ''} {self.description}"


class ChargeTrigger(models.TextChoices):
    """What in the chart creates a charge when it is signed."""

    SESSION_IV = "session_iv", "Signed IV infusion session"
    SESSION_IM = "session_im", "Signed IM session"
    SESSION_ORAL = "session_oral", "Signed sublingual/oral session"
    SESSION_ESKETAMINE = "session_esketamine", "Signed esketamine session"
    CONSULTATION = "consultation", "Signed consultation note"
    THERAPY_NOTE = "therapy_note", "Signed integration-therapy progress note"


class PayerScope(models.TextChoices):
    ANY = "any", "Any patient"
    SELF_PAY = "self_pay", "Self-pay patients"
    INSURED = "insured", "Insured patients (any payer)"
    MEDICARE = "medicare", "Medicare patients"
    NOT_MEDICARE = "not_medicare", "Patients whose primary payer is not Medicare"


class ChargeRule(models.Model):
    """`trigger` for patients in `payer_scope` creates a charge for `fee_item`."""

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="charge_rules")
    trigger = models.CharField(max_length=24, choices=ChargeTrigger.choices)
    payer_scope = models.CharField(max_length=16, choices=PayerScope.choices, default=PayerScope.ANY)
    fee_item = models.ForeignKey(FeeScheduleItem, on_delete=models.PROTECT, related_name="rules")
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["trigger", "position", "id"]
