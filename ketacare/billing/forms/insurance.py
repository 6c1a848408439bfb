"""Forms of the insurance pages: payers, coverage, benefits investigations, prior authorisations, acquisition."""

from django import forms

from ketacare.billing.models import (
    AcquisitionMode,
    AuthorizationStatus,
    BenefitsResult,
    CoveragePriority,
    PayerKind,
    SubscriberRelationship,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PayerForm(forms.Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(choices=PayerKind.choices)
    payer_id = forms.CharField(label="Electronic payer id", max_length=20, required=False)
    address_line = forms.CharField(label="Claims address", max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False)
    region = forms.CharField(label="State", max_length=2, required=False)
    postal_code = forms.CharField(label="ZIP code", max_length=10, required=False)
    is_active = forms.BooleanField(label="Active (offered for new coverage)", required=False, initial=True)


class CoverageForm(forms.Form):
    payer_id = forms.TypedChoiceField(label="Payer", coerce=int)
    member_id = forms.CharField(label="Member id", max_length=40)
    group_number = forms.CharField(label="Group number", max_length=40, required=False)
    priority = forms.ChoiceField(choices=CoveragePriority.choices)
    relationship = forms.ChoiceField(
        label="Patient's relationship to the subscriber", choices=SubscriberRelationship.choices
    )
    subscriber_first_name = forms.CharField(label="Subscriber's first name (if not the patient)", required=False)
    subscriber_last_name = forms.CharField(label="Subscriber's last name", required=False)
    subscriber_date_of_birth = forms.DateField(label="Subscriber's date of birth", required=False, widget=DATE_INPUT)
    start_date = forms.DateField(label="Coverage starts", required=False, widget=DATE_INPUT)
    end_date = forms.DateField(label="Coverage ends", required=False, widget=DATE_INPUT)

    def __init__(self, *args, payers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payer_id"].choices = [(payer.pk, f"{payer.name} ({payer.get_kind_display()})") for payer in payers]


class EndCoverageForm(forms.Form):
    end_date = forms.DateField(label="Ends on", widget=DATE_INPUT)


class BenefitsInvestigationForm(forms.Form):
    result = forms.ChoiceField(choices=BenefitsResult.choices)
    # Amounts as typed ("1,500.00"); the action parses them to Decimal cents.
    copay = forms.CharField(label="Copay per visit", max_length=20, required=False)
    coinsurance_percent = forms.DecimalField(
        label="Coinsurance (%)", required=False, min_value=0, max_value=100, decimal_places=2
    )
    deductible = forms.CharField(max_length=20, required=False)
    deductible_met = forms.CharField(label="Deductible met so far", max_length=20, required=False)
    reference = forms.CharField(label="Call reference or portal confirmation", max_length=80, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class PriorAuthorizationForm(forms.Form):
    status = forms.ChoiceField(choices=AuthorizationStatus.choices)
    number = forms.CharField(label="Authorisation number", max_length=50, required=False)
    service_code = forms.CharField(label="Service code (e.g. J0013)", max_length=10, required=False)
    approved_sessions = forms.IntegerField(label="Approved sessions", required=False, min_value=1)
    approved_units = forms.IntegerField(label="Approved units", required=False, min_value=1)
    start_date = forms.DateField(label="Valid from", required=False, widget=DATE_INPUT)
    end_date = forms.DateField(label="Expires", required=False, widget=DATE_INPUT)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AcquisitionForm(forms.Form):
    mode = forms.ChoiceField(label="How the esketamine was acquired", choices=AcquisitionMode.choices)
    shipment_receipt_id = forms.TypedChoiceField(
        label="Ledger receipt of this patient's shipment (specialty pharmacy)",
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args, receipts=(), zone=None, **kwargs):
        """`receipts`: ledger receipt entries; their dates are shown in `zone` (the session's location)."""
        super().__init__(*args, **kwargs)
        self.fields["shipment_receipt_id"].choices = [("", "—")] + [
            (
                entry.pk,
                f"{entry.vial.identifier} · lot {entry.vial.lot} · {entry.occurred_at.astimezone(zone):%Y-%m-%d}",
            )
            for entry in receipts
        ]
