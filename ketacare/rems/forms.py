"""Forms of the REMS pages. They parse input; the actions hold the rules."""

from django import forms

from ketacare.rems.models import MonitoringForm

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("", "—"), ("yes", "Yes"), ("no", "No")]


class CertificationForm(forms.Form):
    location_id = forms.TypedChoiceField(label="Location", coerce=int)
    certificate_id = forms.CharField(label="Certificate id", max_length=60)
    certified_on = forms.DateField(label="Certified on", widget=DATE_INPUT)
    expires_on = forms.DateField(label="Expires on", required=False, widget=DATE_INPUT)
    authorized_representative = forms.CharField(label="Authorized representative", max_length=200)

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location_id"].choices = [(location.pk, location.name) for location in locations]


class EnrollmentForm(forms.Form):
    enrollment_id = forms.CharField(label="REMS enrollment id", max_length=60)
    enrolled_on = forms.DateField(label="Enrolled on", widget=DATE_INPUT)
    enrolled_by_id = forms.TypedChoiceField(label="Enrolled by (prescriber)", coerce=int)

    def __init__(self, *args, prescribers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolled_by_id"].choices = [(u.pk, u.display_name) for u in prescribers]


class YesNoField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=YES_NO,
            required=False,
            empty_value=None,
            coerce=lambda value: {"yes": True, "no": False}[value],
            **kwargs,
        )


def _yes_no_initial(value):
    return "" if value is None else ("yes" if value else "no")


class MonitoringFormForm(forms.ModelForm):
    """The draft's fields; blanks are allowed here, finalising asks for all of them."""

    monitoring_clinician = forms.TypedChoiceField(
        label="Monitoring clinician", coerce=int, required=False, empty_value=None
    )

    class Meta:
        model = MonitoringForm
        fields = [
            "treatment_date",
            "first_treatment",
            "dose_mg",
            "lot_number",
            "monitoring_minutes",
            "ready_to_leave_minutes",
            "monitoring_clinician_phone",
            "vitals_in_range_before_dose",
            "vitals_in_range_before_leaving",
            "bp_before_systolic_mmhg",
            "bp_before_diastolic_mmhg",
            "bp_40min_systolic_mmhg",
            "bp_40min_diastolic_mmhg",
            "bp_leaving_systolic_mmhg",
            "bp_leaving_diastolic_mmhg",
            "sedation",
            "dissociation",
            "respiratory_depression",
            "benzodiazepines",
            "non_benzodiazepine_sedative_hypnotics",
            "psychostimulants",
            "maois",
            "opioids",
            "notes",
        ]
        widgets = {"treatment_date": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 2})}
        labels = {"dose_mg": "Dose (mg)", "monitoring_minutes": "Minutes from first device to end of monitoring"}

    def __init__(self, *args, clinicians=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["monitoring_clinician"].choices = [("", "—")] + [(u.pk, u.display_name) for u in clinicians]
        if self.instance.pk and not self.is_bound:
            self.initial["monitoring_clinician"] = self.instance.monitoring_clinician_id
        for name, field in list(self.fields.items()):
            if isinstance(field, forms.NullBooleanField):
                self.fields[name] = YesNoField(label=field.label)
                if self.instance.pk and not self.is_bound:
                    self.initial[name] = _yes_no_initial(getattr(self.instance, name))
        self.order_fields(["monitoring_clinician"] + self.Meta.fields)

    def _post_clean(self):
        # The action checks and saves; the form only parses.
        pass

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class SubmittedForm(forms.Form):
    submitted_on = forms.DateField(label="Submitted to the REMS on", widget=DATE_INPUT)
