"""The package offers page's form (a new offer); the action checks the rest."""

from django import forms

from ketacare.billing.models import ChargeTrigger, RefundPolicy


class PackageOfferForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="e.g. IV induction, 6 infusions")
    covers_trigger = forms.ChoiceField(choices=ChargeTrigger.choices, label="Pays for")
    sessions_included = forms.IntegerField(min_value=1, max_value=100)
    price = forms.CharField(max_length=20, help_text="e.g. 2,700.00")
    validity_days = forms.IntegerField(min_value=1, max_value=3650, initial=90, label="Valid for (days)")
    refund_policy = forms.ChoiceField(choices=RefundPolicy.choices)
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
