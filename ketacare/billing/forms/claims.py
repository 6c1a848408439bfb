"""Forms of the claims pages: dates for building and exporting, a status change, the payer's claim number
(recorded, or given with a correction or void), a withdrawal's reason, a superbill's dates."""

from django import forms

from ketacare.billing.models import ClaimStatus


class DateRangeForm(forms.Form):
    date_from = forms.DateField(
        label="First day of service", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="Last day of service", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The last day is before the first.")
        return cleaned


class SuperbillForm(DateRangeForm):
    date_from = forms.DateField(label="First day of service", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Last day of service", widget=forms.DateInput(attrs={"type": "date"}))


class ClaimStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ClaimStatus.choices)
    paid_amount = forms.CharField(label="Paid by the payer", required=False, max_length=20)
    note = forms.CharField(label="Note (a denial's reason)", required=False, max_length=300)


class PayerClaimNumberForm(forms.Form):
    payer_claim_number = forms.CharField(
        label="Payer's claim control number",
        required=False,
        max_length=50,
        help_text="From the payer's response (remittance or claim acknowledgment)",
    )


class WithdrawClaimForm(forms.Form):
    reason = forms.CharField(label="Reason for withdrawing", max_length=300)
