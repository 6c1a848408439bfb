"""Forms of the consultation pages. They parse input; the actions hold the rules."""

from django import forms

from ketacare.consultations.models import NOTE_SECTIONS

SECTION_MAX_CHARS = 20_000


class ConsultationNoteForm(forms.Form):
    """The note's sections; any may be left for later while it is a draft."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, heading in NOTE_SECTIONS:
            self.fields[name] = forms.CharField(
                label=heading,
                required=False,
                max_length=SECTION_MAX_CHARS,
                widget=forms.Textarea(attrs={"rows": 4}),
            )


class ConsultationAddendumForm(forms.Form):
    text = forms.CharField(label="Addendum", max_length=SECTION_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3}))
