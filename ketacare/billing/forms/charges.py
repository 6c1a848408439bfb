"""The charges pages' forms; the actions (actions/charges.py) hold the rules."""

from django import forms

from ketacare.billing.models import ChargeStatus


class ChargeFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *ChargeStatus.choices], required=False)
    location = forms.ChoiceField(required=False)
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].choices = [("", "All locations")] + [
            (str(location.pk), location.name) for location in organisation.locations.all()
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class ChargeEditForm(forms.Form):
    code = forms.CharField(max_length=10)
    modifiers = forms.CharField(max_length=20, required=False)
    description = forms.CharField(max_length=200)
    units = forms.CharField(max_length=10)
    unit_price = forms.CharField(max_length=20, label="Unit price")
    diagnosis_codes = forms.CharField(max_length=60, required=False, help_text="ICD-10-CM, comma separated")
    place_of_service = forms.CharField(max_length=2)
    service_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    rendering_provider_id = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label="Rendering provider"
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rendering_provider_id"].choices = [("", "—")] + [
            (str(person.pk), person.get_full_name() or person.username) for person in providers
        ]


class VoidChargeForm(forms.Form):
    reason = forms.CharField(max_length=300, widget=forms.TextInput(attrs={"size": 40}))


class ManualChargeForm(forms.Form):
    record_number = forms.CharField(max_length=30, label="Patient record number")
    fee_item_id = forms.TypedChoiceField(coerce=int, label="Service")
    location_id = forms.TypedChoiceField(coerce=int, label="Location")
    service_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    units = forms.CharField(max_length=10, initial="1")

    def __init__(self, *args, organisation, fee_items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fee_item_id"].choices = [(str(item.pk), str(item)) for item in fee_items]
        self.fields["location_id"].choices = [
            (str(location.pk), location.name) for location in organisation.locations.filter(is_active=True)
        ]
