"""The patient's account: invoices and the append-only entries whose sum is the balance.

Every money movement is one `AccountEntry` row and rows are never changed (a correction is a new
row that reverses another), so `balance = Σ amount` reconciles at any moment.
"""

from django.db import models

from ketacare.billing.models.common import MONEY, USER, CurrencyField


class Invoice(models.Model):
    """A self-pay bill: the final charges and package sales it lists, numbered per organisation."""

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=20)
    currency = CurrencyField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    charges = models.ManyToManyField("billing.Charge", blank=True, related_name="invoices")
    package_sales = models.ManyToManyField("billing.PackageSale", blank=True, related_name="invoices")

    class Meta:
        ordering = ["-issued_at"]
        constraints = [models.UniqueConstraint(fields=["organisation", "number"], name="invoice_unique_number")]

    def __str__(self) -> str:
        return self.number


class EntryKind(models.TextChoices):
    CHARGE = "charge", "Charge"  # + a final charge
    PACKAGE_SALE = "package_sale", "Package sold"  # + the package price
    PAYMENT = "payment", "Payment"  # − money received
    REFUND = "refund", "Refund"  # + money given back
    WRITE_OFF = "write_off", "Write-off"  # − owed amount forgiven
    ADJUSTMENT = "adjustment", "Adjustment"  # ± correction with a reason
    REVERSAL = "reversal", "Reversal"  # the negation of one earlier entry


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    CARD_TERMINAL = "card_terminal", "Card (external terminal)"
    PACKAGE_CREDIT = "package_credit", "Package credit"
    INSURANCE = "insurance", "Insurance payment"
    OTHER = "other", "Other"


class AccountEntry(models.Model):
    """Append-only. `amount` is signed: positive raises what the patient owes, negative lowers it."""

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="account_entries")
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    amount = models.DecimalField(**MONEY)
    currency = CurrencyField()
    charge = models.ForeignKey(
        "billing.Charge", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    package_sale = models.ForeignKey(
        "billing.PackageSale", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    method = models.CharField(max_length=16, choices=PaymentMethod.choices, blank=True)
    reference = models.CharField(max_length=80, blank=True, help_text="Check number, terminal reference")
    reason = models.CharField(max_length=300, blank=True)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    posted_at = models.DateTimeField()
    posted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["posted_at", "id"]
        indexes = [
            models.Index(fields=["patient", "posted_at"], name="account_entry_patient"),
            models.Index(fields=["organisation", "kind", "posted_at"], name="account_entry_org_kind"),
        ]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="account_entry_not_zero")]
