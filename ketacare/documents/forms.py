from django import forms

from ketacare.documents.actions import TITLE_MAX_CHARS
from ketacare.documents.models import DocumentCategory

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# What the file picker offers; the server checks the content whatever the browser sends.
FILE_INPUT = forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"})


class OwnDocumentForm(forms.Form):
    """A patient's upload in the portal."""

    file = forms.FileField(widget=FILE_INPUT, help_text="PDF, JPEG or PNG")
    category = forms.ChoiceField(choices=DocumentCategory.choices)
    title = forms.CharField(max_length=TITLE_MAX_CHARS, help_text="e.g. Referral letter from Dr Lee")
    document_date = forms.DateField(label="Date on the document", widget=DATE_INPUT)

    def action_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("category", "title", "document_date")} | {
            "upload": self.cleaned_data["file"]
        }


class DocumentForm(OwnDocumentForm):
    """Staff filing a document on the chart."""

    shared_with_patient = forms.BooleanField(
        required=False, label="Share with the patient", help_text="The patient can then see it in the portal."
    )

    def action_fields(self) -> dict:
        return super().action_fields() | {"shared_with_patient": self.cleaned_data["shared_with_patient"]}
