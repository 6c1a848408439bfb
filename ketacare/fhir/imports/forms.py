from django import forms

from ketacare.clinics.models import Location


class ImportUploadForm(forms.Form):
    upload = forms.FileField(
        label="FHIR file",
        help_text="A Bundle (.json) or NDJSON (.ndjson) of Patient, Condition, AllergyIntolerance, "
        "MedicationStatement, Observation and QuestionnaireResponse resources.",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.ndjson,application/json,application/fhir+json"}),
    )
    source_name = forms.SlugField(
        label="Source system",
        max_length=60,
        initial="previous-system",
        help_text="A short name for the system the file comes from (lower-case letters, digits, '-'). Import "
        "later files from the same system under the same name: what was imported before is recognised.",
    )
    home_location = forms.ModelChoiceField(
        label="Home location of new patients", queryset=Location.objects.none(), required=False
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_location"].queryset = Location.objects.filter(organisation=organisation, is_active=True)

    def action_fields(self) -> dict:
        return {
            "upload": self.cleaned_data["upload"],
            "source_name": self.cleaned_data["source_name"].lower(),
            "home_location": self.cleaned_data["home_location"],
        }
