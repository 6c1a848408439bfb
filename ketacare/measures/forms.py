"""Forms of the measures pages. They parse input; the actions hold the rules."""

import zoneinfo

from django import forms
from django.utils import timezone

from ketacare.measures.actions import SETTINGS_FIELDS
from ketacare.measures.models import PATIENT_INSTRUMENT_CHOICES, AssignmentReason, MeasurementSettings


class AssignForm(forms.Form):
    """Staff ask a patient to fill in a questionnaire; the due time is read in the patient's time zone."""

    instrument = forms.ChoiceField(choices=PATIENT_INSTRUMENT_CHOICES)
    due_at = forms.DateTimeField(label="Due", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.ChoiceField(choices=AssignmentReason.choices, initial=AssignmentReason.MANUAL)

    def __init__(self, *args, zone_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zoneinfo.ZoneInfo(zone_name)

    def clean_due_at(self):
        # The wall time was entered in the patient's zone; Django read it in the page's active zone.
        value = self.cleaned_data["due_at"]
        wall = timezone.make_naive(value) if timezone.is_aware(value) else value
        return timezone.make_aware(wall, self.zone)


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What was done: e.g. called the patient, safety plan reviewed.",
    )


def answers_from_post(data, item_count: int) -> dict[str, str]:
    """item_1 … item_N from a posted answer form; only the items that were posted."""
    return {str(n): data[f"item_{n}"] for n in range(1, item_count + 1) if f"item_{n}" in data}


class SettingsForm(forms.ModelForm):
    class Meta:
        model = MeasurementSettings
        fields = SETTINGS_FIELDS
        labels = {
            "link_valid_hours": "Questionnaire link valid (hours)",
            "alert_escalation_minutes": "Escalate unacknowledged safety alerts after (minutes)",
            "madrs_remission_max": "MADRS remission: total at most",
            "pcl5_cutoff_total": "PCL-5 cut-off total",
        }
        help_texts = {
            "madrs_remission_max": "CLINICAL.md §3: 10 (KetECT) by default; 12 in the esketamine programme.",
            "pcl5_cutoff_total": "CLINICAL.md §3: 31–33 current; 33 by default.",
        }
