"""The staff pages' forms: they check the shape of the input; the actions check the rest (a duplicate
email, the last clinic admin) and their errors land on the field they name (lib/views.py)."""

from django import forms

from ketacare.accounts.domain.roles import ROLE_LABELS, STAFF_ROLES
from ketacare.lib.text import REASON_MAX_CHARS
from ketacare.scheduling.models import Skill
from ketacare.staff.selectors import StaffStatus

STAFF_ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in ROLE_LABELS if role in STAFF_ROLES]


class _StaffFieldsForm(forms.Form):
    """What an invitation and a change share: role, title, where they work, their skills."""

    role = forms.ChoiceField(choices=STAFF_ROLE_CHOICES)
    title = forms.CharField(max_length=80, required=False, help_text="e.g. RN, MD, NP, LCSW")
    # Named as the accounts actions name them in their errors, so an error lands on its field.
    locations = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label="Locations they work at",
        widget=forms.CheckboxSelectMultiple,
    )
    home_location = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Home location",
        help_text="Their calendar and leave are shown in its time zone; the day list opens on it.",
    )
    skills = forms.MultipleChoiceField(choices=Skill.choices, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        locations = organisation.locations.filter(is_active=True).order_by("name")
        self.fields["locations"].queryset = locations
        self.fields["home_location"].queryset = locations

    def action_fields(self) -> dict:
        data = self.cleaned_data
        home = data["home_location"]
        return {
            "role": data["role"],
            "title": data["title"],
            "location_ids": [location.pk for location in data["locations"]],
            "home_location_id": home.pk if home else None,
            "skills": data["skills"],
        }


class InviteForm(_StaffFieldsForm):
    email = forms.EmailField(max_length=254)
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)

    field_order = ["email", "first_name", "last_name", "role", "title", "locations", "home_location", "skills"]

    def action_fields(self) -> dict:
        data = self.cleaned_data
        return {
            **super().action_fields(),
            "email": data["email"],
            "first_name": data["first_name"],
            "last_name": data["last_name"],
        }


class ChangeForm(_StaffFieldsForm):
    pass


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=REASON_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2}))


class StaffFilterForm(forms.Form):
    """The list's filters (GET); blank is "any"."""

    role = forms.ChoiceField(choices=[("", "Any role"), *STAFF_ROLE_CHOICES], required=False)
    location = forms.ModelChoiceField(queryset=None, required=False, empty_label="Any location")
    status = forms.ChoiceField(
        choices=[("", "Any status"), *((status.value, status.label) for status in StaffStatus)], required=False
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = organisation.locations.order_by("name")
