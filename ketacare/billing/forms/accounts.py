"""Forms of the patient's account pages: a payment, a refund / write-off / adjustment, a reversal, an invoice,
a package sold. They parse input; the actions (billing/actions/accounts.py, packages.py) hold the rules."""

from django import forms

from ketacare.billing.actions.accounts import PAYMENT_METHODS, REFUND_METHODS
from ketacare.billing.models import PaymentMethod

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
LABELS = dict(PaymentMethod.choices)


def _methods(values) -> list[tuple[str, str]]:
    return [(value, LABELS[value]) for value in values]


class PaymentForm(forms.Form):
    amount = forms.CharField(max_length=20, help_text="e.g. 120.00; part of the balance is fine")
    method = forms.ChoiceField(choices=_methods(PAYMENT_METHODS))
    reference = forms.CharField(
        max_length=80, required=False, help_text="Check number, or the card terminal's transaction reference"
    )
    invoice_id = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Against invoice")

    def __init__(self, *args, invoices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice_id"].choices = [("", "None in particular")] + [
            (summary.invoice.pk, f"{summary.invoice.number} (due {summary.due})") for summary in invoices
        ]


class CorrectionKind:
    REFUND = "refund"
    WRITE_OFF = "write_off"
    ADJUSTMENT = "adjustment"
    CHOICES = [
        (REFUND, "Refund: money given back from the account's credit"),
        (WRITE_OFF, "Write-off: forgive part of what is owed"),
        (ADJUSTMENT, "Adjustment: a correction, + raises or − lowers what is owed"),
    ]


class CorrectionForm(forms.Form):
    kind = forms.ChoiceField(choices=CorrectionKind.CHOICES)
    amount = forms.CharField(max_length=20, help_text="An adjustment may be negative, e.g. -25.00")
    method = forms.ChoiceField(choices=_methods(REFUND_METHODS), required=False, help_text="Refunds only")
    reference = forms.CharField(max_length=80, required=False, help_text="Refunds only")
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class UnusedSessionsRefundForm(ReasonForm):
    method = forms.ChoiceField(choices=_methods(REFUND_METHODS))
    reference = forms.CharField(max_length=80, required=False)


class InvoiceForm(forms.Form):
    due_date = forms.DateField(widget=DATE_INPUT, required=False)

    def __init__(self, *args, due_days: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_date"].help_text = f"Blank: {due_days} days from today (billing settings)"


class SellPackageForm(forms.Form):
    offer_id = forms.TypedChoiceField(coerce=int, label="Package")

    def __init__(self, *args, offers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer_id"].choices = [
            (offer.pk, f"{offer.name}: {offer.sessions_included} sessions, {offer.price} {offer.currency}")
            for offer in offers
        ]


class PaymentsReportForm(forms.Form):
    date_from = forms.DateField(widget=DATE_INPUT, label="From")
    date_to = forms.DateField(widget=DATE_INPUT, label="To")
