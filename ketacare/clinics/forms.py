from django import forms

from ketacare.clinics.models import ClinicPage, Location, Organisation
from ketacare.lib.forms import LongSelect
from ketacare.lib.zones import known_zone_names


class ClinicPageForm(forms.Form):
    title = forms.CharField(max_length=ClinicPage._meta.get_field("title").max_length)
    slug = forms.SlugField(
        max_length=ClinicPage._meta.get_field("slug").max_length,
        required=False,
        label="Address (slug)",
        help_text="Letters, numbers and hyphens; left blank, it is made from the title.",
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Plain text. Leave a blank line between paragraphs.",
    )
    position = forms.IntegerField(min_value=0, max_value=32767, initial=0, help_text="Lower numbers come first.")
    is_published = forms.BooleanField(required=False, initial=True, label="Published (visible to the public)")

    @classmethod
    def for_page(cls, page: ClinicPage, data=None) -> "ClinicPageForm":
        return cls(data, initial={name: getattr(page, name) for name in cls.base_fields})


class OrganisationSettingsForm(forms.Form):
    name = forms.CharField(max_length=Organisation._meta.get_field("name").max_length, label="Clinic name")
    phone = forms.CharField(max_length=32, required=False)
    email = forms.EmailField(required=False)
    website = forms.URLField(required=False, assume_scheme="https")
    minimum_age_years = forms.IntegerField(
        min_value=0,
        max_value=120,
        label="Minimum age (years)",
        help_text="Consultation requests from younger people are refused.",
    )
    crisis_line = forms.CharField(max_length=64, help_text="Shown to patients, e.g. 988 in the US.")
    crisis_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown on your public pages and the consultation request form.",
    )
    api_tokens_require_two_factor = forms.BooleanField(
        required=False,
        label="API tokens only from a two-factor sign-in",
        help_text="A token is used without a second factor, so only a user who signed in with two-factor may create one.",
    )
    portal_self_registration = forms.BooleanField(
        required=False,
        label="Patients may create their own portal account",
        help_text="The consultation request's confirmation email carries a link; it works once you have "
        "registered the person as a patient, and asks for their date of birth.",
    )
    patients_require_two_factor = forms.BooleanField(
        required=False,
        label="Patients must use two-factor sign-in",
        help_text="Patients without an authenticator app are asked to set one up when they next sign in.",
    )

    @classmethod
    def for_organisation(cls, organisation: Organisation, data=None) -> "OrganisationSettingsForm":
        return cls(data, initial={name: getattr(organisation, name) for name in cls.base_fields})


# Offered first in the time-zone menu: where most clinics are (the full list follows).
US_ZONES = (
    ("America/New_York", "Eastern (America/New_York)"),
    ("America/Chicago", "Central (America/Chicago)"),
    ("America/Denver", "Mountain (America/Denver)"),
    ("America/Phoenix", "Arizona (America/Phoenix)"),
    ("America/Los_Angeles", "Pacific (America/Los_Angeles)"),
    ("America/Anchorage", "Alaska (America/Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Pacific/Honolulu)"),
)


def time_zone_choices():
    return [
        ("", "Choose a time zone"),
        ("United States", list(US_ZONES)),
        ("Every zone", [(name, name) for name in known_zone_names()]),
    ]


class LocationForm(forms.Form):
    """A location's own facts; the action checks the name is free, the zone known and the phone a number."""

    name = forms.CharField(max_length=Location._meta.get_field("name").max_length)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        widget=LongSelect,
        help_text="Appointments, opening hours and shifts here are entered and shown in this zone.",
    )
    phone = forms.CharField(max_length=32, required=False)

    @classmethod
    def for_location(cls, location: Location, data=None) -> "LocationForm":
        return cls(data, initial={name: getattr(location, name) for name in cls.base_fields})
