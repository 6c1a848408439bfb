"""Forms of the therapy pages. They parse input; the actions hold the rules."""

from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from ketacare.therapy.domain.notes import RiskCheck

TEXT = {"max_length": 20_000, "required": False, "widget": forms.Textarea(attrs={"rows": 3})}


class ProgressNoteForm(forms.Form):
    session_at = forms.DateTimeField(
        label="Session date and time", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    duration_minutes = forms.IntegerField(label="Duration (minutes)", min_value=1, max_value=480)
    plan_id = forms.TypedChoiceField(label="Treatment plan", coerce=int, required=False, empty_value=None)
    appointment_id = forms.TypedChoiceField(
        label="Integration appointment", coerce=int, required=False, empty_value=None
    )
    themes = forms.CharField(label="Themes", **TEXT)
    goals = forms.CharField(label="Goals", **TEXT)
    practices = forms.CharField(label="Practices between sessions", **TEXT)
    risk_check = forms.ChoiceField(
        label="Risk check", required=False, choices=[("", "—")] + [(c.value, c.label) for c in RiskCheck]
    )
    risk_note = forms.CharField(label="Risk check: what was found and done", **TEXT)

    def __init__(self, *args, zone_name: str, plans=(), appointments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(zone_name)
        self.fields["plan_id"].choices = [("", "—")] + [(p.pk, f"{p.template.name} from {p.start_date}") for p in plans]
        self.fields["appointment_id"].choices = [("", "—")] + [
            (a.pk, timezone.localtime(a.starts_at, a.location.zone).strftime("%Y-%m-%d %H:%M")) for a in appointments
        ]

    def clean_session_at(self):
        # The wall time was entered in the patient's zone; Django attached its default zone to it.
        value = self.cleaned_data["session_at"]
        wall = timezone.make_naive(value) if timezone.is_aware(value) else value
        return wall.replace(tzinfo=self.zone)


class ProgressNoteEditForm(ProgressNoteForm):
    """The author's draft: the links to plan and appointment are set when the note is written."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["plan_id"], self.fields["appointment_id"]


class PsychotherapyNoteForm(forms.Form):
    text = forms.CharField(label="Note", max_length=20_000, widget=forms.Textarea(attrs={"rows": 8}))
    progress_note_id = forms.TypedChoiceField(label="Integration session", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["progress_note_id"].choices = [("", "—")] + [(n.pk, f"{n.session_at:%Y-%m-%d}") for n in sessions]


class PsychotherapyEditForm(forms.Form):
    text = forms.CharField(label="Note", max_length=20_000, widget=forms.Textarea(attrs={"rows": 8}))


class AddendumForm(forms.Form):
    text = forms.CharField(label="Addendum", max_length=20_000, widget=forms.Textarea(attrs={"rows": 3}))
