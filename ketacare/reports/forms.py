from django import forms
from django.core.exceptions import ValidationError

from ketacare.audit.models import AuditAction
from ketacare.reports.selectors.audit_trail import AuditFilters


class AuditFilterForm(forms.Form):
    """The filters above the audit list (a GET form); AuditFilters checks the combination."""

    action = forms.ChoiceField(choices=[("", "Any action"), *AuditAction.choices], required=False)
    actor = forms.CharField(label="User name contains", max_length=150, required=False)
    record_number = forms.CharField(label="Patient record number", max_length=20, required=False)
    object_type = forms.CharField(
        label="Object type",
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. patients.patient"}),
    )
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To (inclusive)", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                self.filters().validate()
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned

    def filters(self) -> AuditFilters:
        # The field names are AuditFilters' own.
        return AuditFilters(**{name: self.cleaned_data[name] for name in self.fields})
