"""The fee schedule pages' forms; they parse input, the actions (actions/fees.py) hold the rules."""

from django import forms

from ketacare.billing.actions.accounts import MAX_DUE_DAYS
from ketacare.billing.models import ChargeTrigger, CodeSystem, PayerScope, UnitsRule


class FeeItemForm(forms.Form):
    code_system = forms.ChoiceField(choices=CodeSystem.choices)
    code = forms.CharField(max_length=10, help_text="CPT and HCPCS codes only; write the description yourself.")
    modifiers = forms.CharField(max_length=20, required=False, help_text="Up to four, e.g. 25,59")
    description = forms.CharField(max_length=200, help_text="The clinic's own words")
    self_pay_price = forms.CharField(max_length=20, label="Self-pay price", help_text="e.g. 350.00")
    units_rule = forms.ChoiceField(choices=UnitsRule.choices, initial=UnitsRule.PER_SERVICE)
    location_id = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label="Location",
        help_text="Only where one site prices differently",
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location_id"].choices = [("", "All locations")] + [
            (str(location.pk), location.name) for location in organisation.locations.filter(is_active=True)
        ]


class ChargeRuleForm(forms.Form):
    trigger = forms.ChoiceField(choices=ChargeTrigger.choices, label="When")
    payer_scope = forms.ChoiceField(choices=PayerScope.choices, label="For")
    fee_item_id = forms.TypedChoiceField(coerce=int, label="Charge")
    position = forms.IntegerField(min_value=0, max_value=100, initial=0, help_text="Order on the claim")

    def __init__(self, *args, fee_items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fee_item_id"].choices = [
            (str(item.pk), str(item)) for item in fee_items if item.location_id is None
        ]


class BillingSettingsForm(forms.Form):
    billing_name = forms.CharField(max_length=200, required=False, label="Billing name")
    billing_npi = forms.CharField(max_length=10, required=False, label="Billing NPI (type 2)")
    tax_id = forms.CharField(max_length=10, required=False, label="Tax id (EIN)")
    taxonomy_code = forms.CharField(max_length=10, required=False)
    address_line = forms.CharField(max_length=200, required=False, label="Address")
    city = forms.CharField(max_length=100, required=False)
    region = forms.CharField(max_length=2, required=False, label="State")
    postal_code = forms.CharField(max_length=10, required=False, label="ZIP code")
    phone = forms.CharField(max_length=20, required=False)
    place_of_service = forms.CharField(max_length=2, label="Place of service", help_text="11 = office")
    currency = forms.CharField(max_length=3)
    submitter_id = forms.CharField(max_length=15, required=False, label="X12 submitter id")
    receiver_id = forms.CharField(max_length=15, required=False, label="X12 receiver id")
    receiver_name = forms.CharField(max_length=60, required=False, label="X12 receiver name")
    statement_message = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    invoice_due_days = forms.IntegerField(
        min_value=0,
        max_value=MAX_DUE_DAYS,
        required=False,  # blank keeps the clinic's terms
        label="Invoice due in (days)",
        help_text="when an invoice names no due date; 0 = due on receipt",
    )


class ProviderIdentityForm(forms.Form):
    npi = forms.CharField(max_length=10, label="NPI (type 1)")
    taxonomy_code = forms.CharField(max_length=10, required=False)
