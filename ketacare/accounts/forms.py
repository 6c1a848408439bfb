import zoneinfo

from django import forms
from django.core.validators import RegexValidator


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code",
        max_length=6,
        validators=[RegexValidator(r"^\d{6}$", "Enter the 6 digits shown in your authenticator app.")],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="What the token is for, e.g. “reporting script”. You see the token once.",
    )


class DisplayPreferencesForm(forms.Form):
    """Which zone pages not about one location show times in, and (staff) where the user works."""

    time_zone = forms.ChoiceField(
        required=False,
        label="Show times in",
        help_text="Pages about one location (a course, the day list, a location's calendar) always use its zone.",
    )
    home_location = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Home location", help_text="Where you usually work."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", "My home location's zone")] + [
            (name, name) for name in sorted(zoneinfo.available_timezones())
        ]
        if user.is_staff_member and user.organisation is not None:
            self.fields["home_location"].choices = [("", "—")] + [
                (location.pk, f"{location.name} ({location.time_zone})")
                for location in user.organisation.locations.filter(is_active=True).order_by("name")
            ]
        else:
            del self.fields["home_location"]
