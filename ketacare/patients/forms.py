"""Forms of the registry pages. They parse input; the actions hold the rules."""

from django import forms

from ketacare.clinics.models import Location
from ketacare.lib.text import REASON_MAX_CHARS
from ketacare.patients.models import Allergy, Patient
from ketacare.patients.picker import PatientPickerField

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PHONE_INPUT = forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})

SECTIONS = [
    (
        "Patient",
        ["first_name", "last_name", "preferred_name", "date_of_birth", "sex_at_birth", "gender_identity", "pronouns"],
    ),
    ("Contact", ["email", "phone", "address_line", "city", "region", "postal_code", "country"]),
    ("Emergency contact", ["emergency_contact_name", "emergency_contact_relationship", "emergency_contact_phone"]),
    (
        "Referring clinician",
        [
            "referring_clinician_name",
            "referring_clinician_practice",
            "referring_clinician_phone",
            "referring_clinician_email",
        ],
    ),
    ("Care", ["home_location", "stage", "stage_reason"]),
]
# Set on the edit page only; the stage also moves by itself with the journey's actions.
STAGE_FIELDS = ("stage", "stage_reason")


class PatientForm(forms.ModelForm):
    """Registration: demographics, contacts, emergency contact, referrer and home location."""

    # Shown once the registration found possible duplicates (the action refuses until it is ticked).
    confirm_not_duplicate = forms.BooleanField(
        required=False, label="I checked these records: this is someone else, register anyway"
    )

    class Meta:
        model = Patient
        fields = [name for _, names in SECTIONS for name in names if name not in STAGE_FIELDS]
        widgets = {
            "date_of_birth": DATE_INPUT,
            "phone": PHONE_INPUT,
            "emergency_contact_phone": PHONE_INPUT,
            "referring_clinician_phone": PHONE_INPUT,
        }
        labels = {
            "date_of_birth": "Date of birth",
            "address_line": "Street address",
            "region": "State",
            "postal_code": "ZIP code",
            "country": "Country (2-letter code)",
        }
        help_texts = {"phone": "US numbers in any format; other countries with +code."}

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's own checks (run by is_valid) compare the location's clinic with this.
        self.instance.organisation_id = organisation_id
        self.fields["home_location"].queryset = Location.objects.filter(organisation_id=organisation_id, is_active=True)

    def sections(self):
        """The fields grouped as the page shows them."""
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in SECTIONS]


class PatientEditForm(PatientForm):
    """Everything the registration asks, plus the care stage."""

    confirm_not_duplicate = None  # a registration question only

    stage_reason = forms.CharField(
        label="Reason for the stage change",
        max_length=2000,
        required=False,
        help_text="Required when you change the stage by hand (the journey's actions move it themselves).",
    )

    class Meta(PatientForm.Meta):
        fields = [*PatientForm.Meta.fields, "stage"]


class MergeForm(forms.Form):
    """Merge this record (the duplicate) into the record chosen here (the survivor)."""

    survivor_id = PatientPickerField(label="Merge into (the record that stays)")
    reason = forms.CharField(
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why these two records are the same person (kept in the audit trail).",
    )

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        # Merged and this record itself are refused by the action, with its own message.
        self.fields["survivor_id"].queryset = Patient.objects.filter(organisation_id=organisation_id)


class UnmergeForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why the merge is undone (kept in the audit trail).",
    )


class _ChartForm(forms.Form):
    """A form on the chart page; the prefix keeps element ids apart, the names stay plain."""

    id_prefix = "chart"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class DiagnosisForm(_ChartForm):
    id_prefix = "diagnosis"
    icd10_code = forms.CharField(label="ICD-10-CM code", max_length=10, help_text="e.g. F33.2")
    description = forms.CharField(max_length=250)
    onset_date = forms.DateField(required=False, widget=DATE_INPUT)


class AllergyForm(_ChartForm):
    id_prefix = "allergy"
    substance = forms.CharField(max_length=200)
    reaction = forms.CharField(max_length=200, required=False)
    severity = forms.ChoiceField(required=False, choices=[("", "—"), *Allergy._meta.get_field("severity").choices])


class MedicationForm(_ChartForm):
    id_prefix = "medication"
    name = forms.CharField(max_length=200)
    dose = forms.CharField(max_length=100, required=False, help_text="e.g. 20 mg")
    frequency = forms.CharField(max_length=100, required=False, help_text="e.g. once daily")
    started_on = forms.DateField(required=False, widget=DATE_INPUT)


class WeightForm(_ChartForm):
    id_prefix = "weight"
    weight_kg = forms.DecimalField(label="Weight (kg)", max_digits=5, decimal_places=1)
    measured_on = forms.DateField(label="Measured on", widget=DATE_INPUT)


class StatusForm(forms.Form):
    status = forms.CharField(max_length=20)


class MedicationStatusForm(StatusForm):
    stopped_on = forms.DateField(required=False, widget=DATE_INPUT)
