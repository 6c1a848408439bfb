"""The clinic admin's form for a new version of a consent text; the action checks the rest."""

from django import forms

from ketacare.consents.actions import BODY_MAX_CHARS
from ketacare.consents.models import COVERAGE_CHOICES, ConsentTemplate, CoSignature

MINOR, MAJOR = "minor", "major"


class ConsentTextVersionForm(forms.Form):
    title = forms.CharField(max_length=200)
    body_markdown = forms.CharField(
        label="Text (Markdown)",
        max_length=BODY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text="Headings with #, lists with -, emphasis with *; HTML is shown as typed, never run.",
    )
    covers = forms.MultipleChoiceField(label="Covers", choices=COVERAGE_CHOICES, widget=forms.CheckboxSelectMultiple)
    co_signature = forms.ChoiceField(label="Who signs", choices=CoSignature.choices)
    valid_months = forms.IntegerField(
        label="Valid for (months)",
        required=False,
        min_value=1,
        max_value=120,
        help_text="Blank: valid until the text's next major version.",
    )
    source = forms.CharField(label="Sources", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    version_kind = forms.ChoiceField(
        label="Kind of change",
        widget=forms.RadioSelect,
        choices=[
            (MINOR, "Minor version (wording): signatures on earlier versions stay valid."),
            (
                MAJOR,
                "Major version: every patient who signed an earlier version must sign again before their next "
                "plan or session.",
            ),
        ],
    )

    @classmethod
    def for_template(cls, template: ConsentTemplate, data=None) -> "ConsentTextVersionForm":
        initial = {
            "title": template.title,
            "body_markdown": template.body_markdown,
            "covers": list(template.covers),
            "co_signature": template.co_signature,
            "valid_months": template.valid_months,
            "source": template.source,
        }
        return cls(data, initial=initial)

    def changes(self) -> dict:
        """The fields the admin changed, for the action (which keeps the rest from the base version)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "version_kind"}
