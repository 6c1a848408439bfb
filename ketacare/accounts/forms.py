from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.core.validators import RegexValidator

from ketacare.lib.forms import LongSelect
from ketacare.lib.zones import known_zone_names


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
        widget=LongSelect,
        label="Show times in",
        help_text="Pages about one location (a course, the day list, a location's calendar) always use its zone.",
    )
    home_location = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Home location", help_text="Where you usually work."
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", "My home location's zone")] + [
            (name, name) for name in known_zone_names()
        ]
        if user.is_staff_member and user.organisation is not None:
            self.fields["home_location"].choices = [("", "—")] + [
                (location.pk, f"{location.name} ({location.time_zone})")
                for location in user.organisation.locations.filter(is_active=True).order_by("name")
            ]
        else:
            del self.fields["home_location"]


def _password_field(label: str, *, autocomplete: str = "new-password", help_text: str = "") -> forms.CharField:
    # Not stripped: spaces are part of a passphrase.
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


class NewPasswordForm(forms.Form):
    """Choose a password, typed twice (accepting an invitation); the action checks Django's validators."""

    password = _password_field("Password", help_text=password_validators_help_text_html())
    password_again = _password_field("Password again")


class ChangePasswordForm(forms.Form):
    current_password = _password_field("Current password", autocomplete="current-password")
    new_password = _password_field("New password", help_text=password_validators_help_text_html())
    new_password_again = _password_field("New password again")


class AccountDetailsForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(label="Email", max_length=254, help_text="Password-reset links are sent here.")


class ConfirmPasswordForm(forms.Form):
    password = _password_field("Your password", autocomplete="current-password")
