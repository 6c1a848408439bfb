"""Forms of the protocol and plan pages. They parse input; the actions hold the rules."""

from django import forms

from ketacare.protocols.domain.plan_status import PlanStatus
from ketacare.protocols.models import AdjunctKind, MaintenanceDecisionChoice, ProtocolSettings, ProtocolTemplate

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DOSE_KWARGS = {"max_digits": 7, "decimal_places": 3, "min_value": 0}

# Scalar settings edited on the page; list settings (check times, questionnaires, fixed schedule)
# are edited through the API.
TEMPLATE_PAGE_FIELDS = [
    "name",
    "dose_mg_per_kg",
    "min_dose_mg_per_kg",
    "max_dose_mg_per_kg",
    "hard_cap_dose_mg_per_kg",
    "min_dose_mg_per_session",
    "max_dose_mg_per_session",
    "concentration_mg_per_ml",
    "rounding_mg",
    "volume_rounding_ml",
    "max_weight_age_days",
    "infusion_min",
    "induction_session_count",
    "induction_window_days",
    "sessions_per_week_min",
    "sessions_per_week_max",
    "min_days_between",
    "session_length_min",
    "bp_delay_systolic_mmhg",
    "bp_delay_diastolic_mmhg",
    "bp_stop_systolic_mmhg",
    "bp_stop_diastolic_mmhg",
    "maintenance_description",
    "preparation_instructions",
    "source",
]


class TemplateEditForm(forms.ModelForm):
    """Saving makes a new version; the model's checks run in the action."""

    class Meta:
        model = ProtocolTemplate
        fields = TEMPLATE_PAGE_FIELDS
        help_texts = {
            "rounding_mg": "Clinic choice: doses are rounded to the nearest multiple of this (mg).",
            "max_weight_age_days": "Clinic choice: an older weight asks for today's weight before dosing.",
        }

    def _post_clean(self):
        # Validation of the whole template is the action's job (it builds the new version).
        pass


# A plan needs an approved candidacy decision for its route and today's weight; where the clinic
# allows it, a prescriber may go ahead without them, giving this reason (audited).
OVERRIDE_REASON_FIELD = forms.CharField(
    label="Override missing prerequisites (reason)",
    max_length=2000,
    required=False,
    widget=forms.TextInput,
    help_text="Only where the clinic's policy allows it; leave blank otherwise.",
)


class PlanForm(forms.Form):
    template_id = forms.TypedChoiceField(label="Protocol", coerce=int)
    start_date = forms.DateField(widget=DATE_INPUT)
    dose_mg_per_kg = forms.DecimalField(
        label="Dose (mg/kg)", required=False, help_text="Blank: the protocol's default.", **DOSE_KWARGS
    )

    override_reason = OVERRIDE_REASON_FIELD

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template_id"].choices = [(t.pk, f"{t.name} (v{t.version})") for t in templates]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=PlanStatus.choices())
    reason = forms.CharField(max_length=2000, widget=forms.TextInput)
    override_reason = OVERRIDE_REASON_FIELD


class AdjunctForm(forms.Form):
    kind = forms.ChoiceField(choices=AdjunctKind.choices)
    description = forms.CharField(max_length=500)


class OverrideForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    dose_mg_per_kg = forms.DecimalField(
        label="New dose (mg/kg)", required=False, help_text="Blank: keep the planned dose.", **DOSE_KWARGS
    )


class DoseChangeForm(forms.Form):
    dose_mg_per_kg = forms.DecimalField(
        label="New dose (mg/kg)", required=False, help_text="Blank: the protocol's next titration step.", **DOSE_KWARGS
    )
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ChartForm(forms.Form):
    model = forms.ChoiceField(
        choices=[("domino", "Domino 1984"), ("clements", "Clements & Nimmo 1981")], required=False
    )
    concentration_mg_per_ml = forms.DecimalField(
        label="Concentration (mg/mL)", required=False, max_digits=7, decimal_places=3, min_value=0.001
    )


class MaintenanceDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=MaintenanceDecisionChoice.choices)
    interval_weeks = forms.IntegerField(
        label="Interval (weeks)",
        required=False,
        min_value=1,
        max_value=52,
        help_text="Continue only; blank: the proposed shortest interval.",
    )
    note = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when the decision differs from the proposal.",
    )
    instrument = forms.CharField(widget=forms.HiddenInput, max_length=40)


class ProtocolSettingsForm(forms.ModelForm):
    class Meta:
        model = ProtocolSettings
        fields = ["prescriber_may_override_plan_prerequisites"]
        labels = {
            "prescriber_may_override_plan_prerequisites": (
                "A prescriber may create or start a plan without an approved candidacy decision for its route "
                "or today's weight, giving a reason (audited)"
            )
        }
