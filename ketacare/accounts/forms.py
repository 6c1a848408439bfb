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
