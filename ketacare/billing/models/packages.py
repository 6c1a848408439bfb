"""Prepaid packages ("IV induction, 6 infusions"): sold to a patient, drawn down by sessions."""

from django.db import models

from ketacare.billing.models.common import MONEY, USER, CurrencyField


class RefundPolicy(models.TextChoices):
    UNUSED_SESSIONS_PRORATED = "prorated", "Unused sessions refunded at the package's price per session"
    NO_REFUND = "none", "No refund of unused sessions"


class PackageOffer(models.Model):
    """What the clinic sells: a number of sessions of one kind for one price, valid for a time."""

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="package_offers")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    # The charge trigger whose sessions it pays for (fees.ChargeTrigger, e.g. session_iv).
    covers_trigger = models.CharField(max_length=24)
    sessions_included = models.PositiveSmallIntegerField()
    price = models.DecimalField(**MONEY)
    currency = CurrencyField()
    validity_days = models.PositiveSmallIntegerField(default=90)
    refund_policy = models.CharField(
        max_length=10, choices=RefundPolicy.choices, default=RefundPolicy.UNUSED_SESSIONS_PRORATED
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(sessions_included__gt=0), name="package_offer_has_sessions"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="package_offer_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class PackageSale(models.Model):
    """One package sold to one patient; its terms are copied so a later price change does not touch it."""

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="package_sales")
    offer = models.ForeignKey(PackageOffer, on_delete=models.PROTECT, related_name="sales")
    name = models.CharField(max_length=120)
    covers_trigger = models.CharField(max_length=24)
    sessions_included = models.PositiveSmallIntegerField()
    price = models.DecimalField(**MONEY)
    currency = CurrencyField()
    refund_policy = models.CharField(max_length=10, choices=RefundPolicy.choices)
    valid_until = models.DateField()
    sold_at = models.DateTimeField()
    sold_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-sold_at"]


class PackageCreditUse(models.Model):
    """Append-only: a session drew one credit (sessions=1), or a use was given back (sessions=-1)."""

    sale = models.ForeignKey(PackageSale, on_delete=models.PROTECT, related_name="uses")
    sessions = models.SmallIntegerField()
    charge = models.ForeignKey("billing.Charge", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [models.CheckConstraint(condition=~models.Q(sessions=0), name="package_use_not_zero")]
