"""The patient picker: a search-as-you-type field in place of a `<select>` of every patient.

A `<select>` lists the whole registry in every page that offers it (100,000 options at a large
clinic). The picker renders only the chosen patient, if any; typing asks the search page
(`patients:picker`, htmx) for at most PICKER_LIMIT matches, shown as radio buttons named like the
field, so the form posts the chosen patient's id with no script of its own. The field's queryset
(the clinic's patients, set by the form) is used for one lookup by id: an id of another clinic's
patient is refused like any invalid choice, and the action checks the organisation again.
"""

from django import forms
from django.urls import reverse

from ketacare.patients.models import Patient

PICKER_LIMIT = 20


class PatientPickerWidget(forms.Widget):
    template_name = "patients/_patient_picker.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.queryset = Patient.objects.none()

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        selected = None
        if value not in (None, "") and str(value).isdigit():
            selected = self.queryset.filter(pk=int(value)).first()
        context["widget"].update(selected=selected, search_url=reverse("patients:picker"))
        return context

    def value_from_datadict(self, data, files, name):
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data


class PatientPickerField(forms.ModelChoiceField):
    """A patient of `queryset` (set by the form), chosen by searching; cleans to the Patient."""

    widget = PatientPickerWidget
    default_error_messages = {
        "invalid_choice": "Search for the patient and choose one of your clinic's patients from the list.",
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=Patient.objects.none(), **kwargs)

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        self.widget.queryset = self.queryset

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)
