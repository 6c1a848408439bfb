"""Per-organisation billing identity (what a claim and a superbill print) and providers' billing ids."""

from django.db import models

from ketacare.billing.models.common import USER, CurrencyField


class BillingSettings(models.Model):
    """The billing provider: the organisation as it appears on claims, superbills and statements."""

    organisation = models.OneToOneField("clinics.Organisation", on_delete=models.CASCADE, related_name="billing")
    currency = CurrencyField()
    billing_name = models.CharField(max_length=200, blank=True)
    billing_npi = models.CharField(max_length=10, blank=True, help_text="Type 2 (organisation) NPI")
    tax_id = models.CharField(max_length=10, blank=True, help_text="EIN, 9 digits")
    taxonomy_code = models.CharField(max_length=10, blank=True)
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=2, blank=True, help_text="US state code")
    postal_code = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    # CMS place-of-service code; 11 = office.
    place_of_service = models.CharField(max_length=2, default="11")
    # X12 interchange: the clinic's submitter id and name and the receiver's (clearinghouse) id and name.
    submitter_id = models.CharField(max_length=15, blank=True)
    receiver_id = models.CharField(max_length=15, blank=True)
    receiver_name = models.CharField(max_length=60, blank=True)
    statement_message = models.TextField(blank=True)
    # Days from issue to an invoice's due date when none is given. 30: "net 30", the common term for
    # patient and trade invoices; a clinic sets its own (0, due on receipt, to 365).
    invoice_due_days = models.PositiveSmallIntegerField(default=30)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(invoice_due_days__lte=365), name="billing_invoice_due_days_max")
        ]


class ProviderBillingIdentity(models.Model):
    """A rendering provider's NPI (type 1) and taxonomy."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="billing_identity")
    npi = models.CharField(max_length=10)
    taxonomy_code = models.CharField(max_length=10, blank=True)
