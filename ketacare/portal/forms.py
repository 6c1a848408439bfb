from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts


class PortalInvitationForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Email address for the portal")


class PortalDeactivationForm(forms.Form):
    reason = forms.CharField(max_length=2000, label="Reason")


class PortalPasswordForm(forms.Form):
    """Activation and self-registration: the date of birth on the record, then a new password."""

    date_of_birth = forms.DateField(
        label="Your date of birth",
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The rules in force (AUTH_PASSWORD_VALIDATORS), in Django's own words.
        self.fields["password"].help_text = " ".join(password_validators_help_texts())
