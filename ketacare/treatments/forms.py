"""Forms of the session page: they only parse input; the actions validate the rules."""

from django import forms

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.selectors import colleagues
from ketacare.measures.domain.library import INSTRUMENTS
from ketacare.treatments.actions import SETTINGS_FIELDS
from ketacare.treatments.models import (
    AdverseEventKind,
    AdverseEventSeverity,
    CheckItem,
    InteractingMedicine,
    TreatmentSettings,
)

_NUMBER = {"inputmode": "numeric", "autocomplete": "off"}


def colleague_choices(user) -> list[tuple[int, str]]:
    """Other active staff of the user's organisation who may co-sign controlled-substance records."""
    people = colleagues(user, permission=Permission.LEDGER_RECORD).exclude(pk=user.pk)
    return [("", "— choose —")] + [(p.pk, p.display_name) for p in people.order_by("last_name", "username")]


class ChecklistForm(forms.Form):
    """One checkbox per required item; weight and interacting medicines where asked. Today's
    questionnaires have no checkbox: they are derived from what was submitted today (issue 14)."""

    weight_kg = forms.DecimalField(
        label="Today's weight (kg)",
        required=False,
        min_value=30,
        max_value=300,
        decimal_places=1,
        widget=forms.NumberInput(attrs={**_NUMBER, "step": "0.1"}),
    )
    interacting_medicines = forms.MultipleChoiceField(
        label="Taken today", choices=InteractingMedicine.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    pregnancy_test_note = forms.CharField(label="Pregnancy test result", required=False, max_length=500)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = [item for item in items if item != CheckItem.QUESTIONNAIRES]
        for item in self.items:
            self.fields[f"check_{item}"] = forms.BooleanField(label=CheckItem(item).label, required=False)
        if "weight" not in self.items:
            del self.fields["weight_kg"]
        if "pregnancy_test" not in self.items:
            del self.fields["pregnancy_test_note"]

    def item_fields(self):
        return [self[f"check_{item}"] for item in self.items]

    def answers(self) -> dict[str, bool]:
        return {item: bool(self.cleaned_data.get(f"check_{item}")) for item in self.items}


class VitalsForm(forms.Form):
    systolic_mmhg = forms.IntegerField(
        label="Systolic (mmHg)", min_value=40, max_value=300, widget=forms.NumberInput(attrs=_NUMBER)
    )
    diastolic_mmhg = forms.IntegerField(
        label="Diastolic (mmHg)", min_value=20, max_value=200, widget=forms.NumberInput(attrs=_NUMBER)
    )
    heart_rate_bpm = forms.IntegerField(
        label="Heart rate (/min)", min_value=20, max_value=250, widget=forms.NumberInput(attrs=_NUMBER)
    )
    spo2_percent = forms.IntegerField(
        label="SpO2 (%)", min_value=50, max_value=100, widget=forms.NumberInput(attrs=_NUMBER)
    )
    respiratory_rate_per_min = forms.IntegerField(
        label="Resp. rate (/min)", min_value=4, max_value=60, required=False, widget=forms.NumberInput(attrs=_NUMBER)
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class DoseForm(forms.Form):
    vial_id = forms.TypedChoiceField(label="Vial (lot)", coerce=int)
    # The second checker signs in here (no list to pick a name from): on shift, not the nurse.
    checker_username = forms.CharField(
        label="Second check: checker's username", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    checker_password = forms.CharField(
        label="Checker's password", max_length=200, widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )
    dose_mg = forms.TypedChoiceField(
        label="Dose (mg)",
        coerce=int,
        required=False,
        choices=[(56, "56 mg (2 devices)"), (84, "84 mg (3 devices)"), (28, "28 mg (1 device)")],
    )

    def __init__(self, *args, vials=(), esketamine=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vial_id"].choices = [("", "— choose —")] + [
            (v.pk, f"{v.identifier} · lot {v.lot} · {v.balance_mg.normalize():f} mg left · exp {v.expiry_date}")
            for v in vials
        ]
        if not esketamine:
            del self.fields["dose_mg"]


class WasteForm(forms.Form):
    preparation = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    quantity_mg = forms.DecimalField(
        label="Wasted (mg)",
        min_value=0.001,
        max_digits=9,
        decimal_places=3,
        widget=forms.NumberInput(attrs={**_NUMBER, "step": "0.001"}),
    )
    witness = forms.TypedChoiceField(label="Witness", coerce=int)
    witness_password = forms.CharField(label="Witness's password", widget=forms.PasswordInput, max_length=200)
    reason = forms.CharField(initial="Remainder of vial after dose", max_length=500)

    def __init__(self, *args, colleagues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["witness"].choices = list(colleagues)


class RatingForm(forms.Form):
    """MOAA/S (one rating, with its published anchors) or CADSS (23 items, no wording: licence
    UNVERIFIED). Nothing is pre-set: every item starts unanswered and must be rated (issue 14)."""

    instrument = forms.ChoiceField(choices=[("moaas", "MOAA/S"), ("cadss", "CADSS")], widget=forms.HiddenInput)

    def __init__(self, *args, instrument="moaas", **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = INSTRUMENTS[instrument]
        self.fields["instrument"].initial = instrument
        single = len(self.instrument.items) == 1
        for item in self.instrument.items:
            values = item.answer_values if not single else reversed(item.answer_values)  # MOAA/S: alert first
            choices = [(v, f"{v} · {item.answer_label(v)}" if item.answer_labels else str(v)) for v in values]
            self.fields[f"item_{item.number}"] = forms.TypedChoiceField(
                label=item.display if single else self._item_label(item.number),
                coerce=int,
                choices=[("", "— not rated —"), *choices],
                error_messages={"required": f"Rate {item.display}: an unrated item is not counted as 0."},
            )

    def _item_label(self, number: int) -> str:
        subscale = next((s for s in self.instrument.subscales if number in s.item_numbers), None)
        return f"Item {number}" + (f" · {subscale.label.split(' (')[0]}" if subscale else "")

    def answers(self) -> dict[str, int]:
        return {str(item.number): self.cleaned_data[f"item_{item.number}"] for item in self.instrument.items}


class AdverseEventForm(forms.Form):
    kind = forms.ChoiceField(choices=AdverseEventKind.choices)
    severity = forms.ChoiceField(choices=AdverseEventSeverity.choices)
    description = forms.CharField(required=False, max_length=2000)
    action_taken = forms.CharField(label="What was done", max_length=2000)
    rescue_medicine = forms.CharField(required=False, max_length=200)
    rescue_dose_mg = forms.DecimalField(
        label="Rescue dose (mg)", required=False, min_value=0.001, max_digits=9, decimal_places=3
    )


class DischargeForm(forms.Form):
    alert = forms.BooleanField(label="Alert", required=False)
    walking_steadily = forms.BooleanField(label="Walking steadily", required=False)
    accompanied_home = forms.BooleanField(label="Accompanied home", required=False)
    escort_name = forms.CharField(label="Who takes the patient home", required=False, max_length=200)
    note = forms.CharField(required=False, max_length=2000)


class AddendumForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = TreatmentSettings
        fields = SETTINGS_FIELDS
        labels = {
            "vitals_tolerance_min": "A vital check is late after (minutes)",
            "esketamine_min_observation_min": "Esketamine minimum observation (minutes; REMS: at least 120)",
            "post_dose_observation_min": "Other routes: minimum observation after the end of administration (minutes)",
            "discharge_max_heart_rate_bpm": "Discharge: heart rate at most (/min)",
            "discharge_min_spo2_percent": "Discharge: SpO2 at least (%)",
            "pregnancy_test_required": "Pregnancy test on the checklist",
            "risk_lookback_days": "Risk flags: suicidal-ideation answers of the last (days)",
        }
