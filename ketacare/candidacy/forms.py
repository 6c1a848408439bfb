"""Candidacy forms. List answers are typed one per line, comma-separated; the domain parser checks their values."""

from django import forms
from django.core.exceptions import ValidationError

from ketacare.candidacy.actions import INTAKE_PLAIN_FIELDS, PATIENT_INTAKE_FIELDS
from ketacare.candidacy.domain.findings import Route
from ketacare.candidacy.models import AntidepressantTrial, CandidacyPolicySetting, Decision, Intake

# form field -> (keys of each line, how many are required), for the intake's list answers
_LINE_LISTS = {
    "substance_use_disorders": (("substance", "status"), 2),
    "psychotherapy": (("kind", "sessions"), 1),
    "prior_ketamine": (("drug", "route", "response"), 3),
}
_COURSES = ("ect", "tms")  # one line: sessions, response
_COURSE_HELP = "sessions, response (none, partial, response, remission)"
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _whole_if_digits(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _read_lines(text: str, keys: tuple[str, ...], required: int) -> list[dict]:
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(",")]
        if not required <= len(parts) <= len(keys) or not all(parts[:required]):
            raise ValidationError(f"Line {number}: write {', '.join(keys)}, separated by commas.")
        items.append(
            {key: _whole_if_digits(part) if key == "sessions" else part for key, part in zip(keys, parts, strict=False)}
        )
    return items


def _write_lines(items, keys) -> str:
    return "\n".join(", ".join(str(item[key]) for key in keys if item.get(key) is not None) for item in items or [])


class IntakeForm(forms.ModelForm):
    """The staff intake page: every question, the baseline vitals and a new weight if measured."""

    substance_use_disorders = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Substance use disorders",
        help_text="One per line: substance, current or past (e.g. alcohol, past).",
    )
    psychotherapy = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line: kind, sessions (e.g. CBT, 12).",
    )
    ect = forms.CharField(required=False, label="ECT", help_text=_COURSE_HELP)
    tms = forms.CharField(required=False, label="TMS", help_text=_COURSE_HELP)
    prior_ketamine = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Earlier ketamine or esketamine",
        help_text="One per line: ketamine or esketamine, route (iv, im, subcutaneous, sublingual, oral, intranasal), "
        "response (none, partial, response, remission).",
    )
    weight_kg = forms.DecimalField(
        required=False,
        max_digits=5,
        decimal_places=1,
        label="Weight today (kg)",
        help_text="Recorded on the chart; the latest chart weight is used.",
    )

    sections = None  # set per instance; (title, [bound fields])
    SECTIONS = (
        ("Current episode", ("episode_start_date", "pregnant", "breastfeeding")),
        (
            "Medical history",
            (
                "aneurysmal_vascular_disease",
                "arteriovenous_malformation",
                "intracerebral_haemorrhage",
                "hypertension",
                "hypertensive_encephalopathy",
                "cardiovascular_disease",
                "psychosis",
                "liver_disease",
                "interstitial_cystitis",
                "ketamine_hypersensitivity",
                "substance_use_disorders",
            ),
        ),
        ("Earlier treatment", ("psychotherapy", "ect", "tms", "prior_ketamine")),
        ("Baseline vitals", ("systolic_mmhg", "diastolic_mmhg", "heart_rate_bpm", "spo2_percent", "weight_kg")),
    )

    class Meta:
        model = Intake
        fields = list(INTAKE_PLAIN_FIELDS)
        widgets = {"episode_start_date": _DATE}
        labels = {
            "systolic_mmhg": "Systolic (mmHg)",
            "diastolic_mmhg": "Diastolic (mmHg)",
            "heart_rate_bpm": "Heart rate (bpm)",
            "spo2_percent": "SpO2 (%)",
            "ketamine_hypersensitivity": "Hypersensitivity to ketamine or esketamine",
            "interstitial_cystitis": "Interstitial cystitis or ketamine uropathy",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        intake = self.instance
        if intake.pk:
            for name, (keys, _) in _LINE_LISTS.items():
                self.initial[name] = _write_lines(getattr(intake, name), keys)
            for name in _COURSES:
                self.initial[name] = _write_lines(
                    [getattr(intake, name)] if getattr(intake, name) else [], ("sessions", "response")
                )
        self.sections = [
            (title, [self[name] for name in names if name in self.fields]) for title, names in self.SECTIONS
        ]

    def _clean_lines(self, name):
        keys, required = _LINE_LISTS[name]
        return _read_lines(self.cleaned_data.get(name, ""), keys, required)

    def clean_substance_use_disorders(self):
        return self._clean_lines("substance_use_disorders")

    def clean_psychotherapy(self):
        return self._clean_lines("psychotherapy")

    def clean_prior_ketamine(self):
        return self._clean_lines("prior_ketamine")

    def _clean_course(self, name):
        items = _read_lines(self.cleaned_data.get(name, ""), ("sessions", "response"), 2)
        if len(items) > 1:
            raise ValidationError("One line only: sessions, response.")
        return items[0] if items else None

    def clean_ect(self):
        return self._clean_course("ect")

    def clean_tms(self):
        return self._clean_course("tms")

    def answers(self) -> dict:
        """The cleaned answers as keyword arguments for the save action."""
        values = dict(self.cleaned_data)
        if "weight_kg" in self.fields and values.get("weight_kg") is None:
            values.pop("weight_kg", None)
        return values

    def _post_clean(self):
        # The action validates and saves; the form only parses (no model validation twice).
        pass


class PortalIntakeForm(IntakeForm):
    """The patient's own pre-fill, in plain words; vitals and weight are measured at the clinic."""

    class Meta(IntakeForm.Meta):
        fields = [name for name in IntakeForm.Meta.fields if name in PATIENT_INTAKE_FIELDS]
        labels = {
            "episode_start_date": "When did this episode of depression start?",
            "pregnant": "Are you pregnant?",
            "breastfeeding": "Are you breast-feeding?",
            "aneurysmal_vascular_disease": "Have you been told you have an aneurysm (a bulging blood vessel)?",
            "arteriovenous_malformation": "Have you been told you have an arteriovenous malformation (AVM)?",
            "intracerebral_haemorrhage": "Have you ever had bleeding in the brain?",
            "hypertension": "High blood pressure",
            "hypertensive_encephalopathy": "Have you ever had a brain problem caused by very high blood pressure?",
            "cardiovascular_disease": "Do you have heart disease?",
            "psychosis": "Psychosis (hearing or seeing things others don't, fixed false beliefs)",
            "liver_disease": "Liver disease",
            "interstitial_cystitis": "Do you have interstitial cystitis or bladder problems after ketamine?",
            "ketamine_hypersensitivity": "Have you had an allergic reaction to ketamine or esketamine?",
        }
        widgets = IntakeForm.Meta.widgets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["weight_kg"]
        for field in self.fields.values():
            if isinstance(field, forms.NullBooleanField):
                field.widget.choices = [("unknown", "Not sure"), ("true", "Yes"), ("false", "No")]
        self.fields["substance_use_disorders"].label = "Problems with alcohol or drugs"
        self.fields["substance_use_disorders"].help_text = "One per line: the substance, then current or past."
        self.fields["prior_ketamine"].label = "Have you had ketamine or esketamine before?"
        self.fields["psychotherapy"].label = "Talking therapy you have had"
        self.sections = [
            (title, [self[name] for name in names if name in self.fields]) for title, names in self.SECTIONS
        ]


class TrialForm(forms.ModelForm):
    class Meta:
        model = AntidepressantTrial
        fields = [
            "drug",
            "daily_dose_mg",
            "start_date",
            "stop_date",
            "adherence",
            "percent_improvement",
            "reason_stopped",
            "augmentation",
        ]
        widgets = {"start_date": _DATE, "stop_date": _DATE}
        labels = {"daily_dose_mg": "Daily dose (mg)", "percent_improvement": "Improvement (%)"}

    def _post_clean(self):
        pass  # the action validates

    def answers(self) -> dict:
        names = {"percent_improvement": "improvement_percent", "reason_stopped": "stop_reason"}
        return {names.get(name, name): value for name, value in self.cleaned_data.items()}


class DecisionForm(forms.Form):
    route = forms.ChoiceField(choices=[(r.value, r.label) for r in Route], widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=Decision.choices)
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note",
        help_text="Required to approve a route that is not eligible (override).",
    )


class PolicyForm(forms.ModelForm):
    class Meta:
        model = CandidacyPolicySetting
        fields = list(CandidacyPolicySetting.PARAMETERS)

    def _post_clean(self):
        pass  # the action validates
