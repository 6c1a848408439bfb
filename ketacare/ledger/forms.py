"""Forms of the ledger pages. They parse input; the actions hold the rules."""

from django import forms

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.selectors import colleagues
from ketacare.ledger.models import (
    Drug,
    EntryKind,
    LedgerSettings,
    MeasureUnit,
    TheftLossKind,
)
from ketacare.ledger.selectors.reports import BUSINESS_TIMES, INVENTORY_TYPES

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MG_KWARGS = {"max_digits": 12, "decimal_places": 3, "min_value": 0}


def colleague_choices(actor, permission: Permission = Permission.LEDGER_RECORD):
    users = colleagues(actor, permission=permission).exclude(pk=actor.pk)
    return [("", "—")] + [(u.pk, u.display_name) for u in users.order_by("last_name")]


class ColleagueField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(coerce=int, empty_value=None, **kwargs)


class ReceiptForm(forms.Form):
    product_id = forms.TypedChoiceField(label="Product", coerce=int)
    lot = forms.CharField(max_length=40)
    expiry_date = forms.DateField(widget=DATE_INPUT)
    container_count = forms.IntegerField(label="Vials / kits received", min_value=1, max_value=500)
    supplier_name = forms.CharField(max_length=200)
    supplier_address = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    supplier_dea_number = forms.CharField(label="Supplier DEA number", max_length=9)
    invoice_number = forms.CharField(max_length=60)

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_id"].choices = [(p.pk, str(p)) for p in products]


class WasteForm(forms.Form):
    quantity_mg = forms.DecimalField(label="Quantity wasted (mg)", **MG_KWARGS)
    reason = forms.CharField(max_length=2000)
    witness = ColleagueField(required=False)
    witness_password = forms.CharField(label="Witness's password", required=False, widget=forms.PasswordInput)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["witness"].choices = colleague_choices(actor)


class CountForm(forms.Form):
    counted_mg = forms.DecimalField(label="Counted (mg)", **MG_KWARGS)
    note = forms.CharField(max_length=2000, required=False)


class TransferForm(forms.Form):
    to_location_id = forms.TypedChoiceField(label="To location", coerce=int)
    reason = forms.CharField(max_length=2000, required=False)

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_location_id"].choices = [(loc.pk, loc.name) for loc in locations]


class DisposalForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(k.value, k.label) for k in (EntryKind.EXPIRED, EntryKind.RETURNED, EntryKind.DESTROYED)]
    )
    quantity_mg = forms.DecimalField(label="Quantity (mg; blank: all)", required=False, **MG_KWARGS)
    counterparty_name = forms.CharField(label="Reverse distributor", max_length=200, required=False)
    counterparty_address = forms.CharField(label="Its address", max_length=2000, required=False)
    counterparty_dea_number = forms.CharField(label="Its DEA number", max_length=9, required=False)
    document_number = forms.CharField(label="Form 41 / 222 / invoice number", max_length=60, required=False)
    witness = ColleagueField(required=False)
    second_witness = ColleagueField(required=False)
    reason = forms.CharField(max_length=2000, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        choices = colleague_choices(actor, Permission.LEDGER_VIEW)
        self.fields["witness"].choices = choices
        self.fields["second_witness"].choices = choices


class ResolveForm(forms.Form):
    reason = forms.CharField(max_length=2000)


class TheftLossForm(forms.Form):
    kind = forms.ChoiceField(choices=TheftLossKind.choices)
    discovered_on = forms.DateField(widget=DATE_INPUT)
    description = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    vial_id = forms.TypedChoiceField(label="Vial", coerce=int, required=False, empty_value=None)
    quantity_mg = forms.DecimalField(label="Quantity lost (mg)", required=False, **MG_KWARGS)

    def __init__(self, *args, vials, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vial_id"].choices = [("", "—")] + [(v.pk, f"{v.identifier} ({v.balance_mg} mg)") for v in vials]


class ReportUpdateForm(forms.Form):
    written_notice_sent_on = forms.DateField(widget=DATE_INPUT, required=False)
    form_106_filed_on = forms.DateField(label="Form 106 filed on", widget=DATE_INPUT, required=False)
    form_106_reference = forms.CharField(label="Form 106 confirmation", max_length=60, required=False)


class ExportForm(forms.Form):
    kind = forms.ChoiceField(choices=[("dispensing", "Dispensing / administration log"), ("inventory", "Inventory")])
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("pdf", "PDF")])
    date_from = forms.DateField(widget=DATE_INPUT, required=False)
    date_to = forms.DateField(widget=DATE_INPUT, required=False)
    inventory_type = forms.ChoiceField(choices=[(v, v.title()) for v in INVENTORY_TYPES], initial="biennial")
    business_time = forms.ChoiceField(choices=[(v, f"{v} of business") for v in BUSINESS_TIMES], initial="close")


class LedgerSettingsForm(forms.ModelForm):
    class Meta:
        model = LedgerSettings
        fields = ["retention_years", "waste_witness_required", "theft_notice_business_days", "form_106_days"]


class RegistrationForm(forms.Form):
    location_id = forms.TypedChoiceField(label="Location", coerce=int)
    registrant_name = forms.CharField(max_length=200)
    dea_number = forms.CharField(label="DEA number", max_length=9)

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location_id"].choices = [(loc.pk, loc.name) for loc in locations]


class ProductForm(forms.Form):
    drug = forms.ChoiceField(choices=Drug.choices)
    name = forms.CharField(max_length=200)
    ndc = forms.CharField(label="NDC", max_length=13)
    unit = forms.ChoiceField(choices=MeasureUnit.choices)
    strength_mg_per_unit = forms.DecimalField(
        label="Strength (mg per mL or per device)", max_digits=9, decimal_places=3, min_value=0
    )
    units_per_container = forms.DecimalField(
        label="mL per vial / devices per kit", max_digits=9, decimal_places=3, min_value=0
    )
