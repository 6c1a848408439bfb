from django import forms
from oauth2_provider.forms import AllowForm

from ketacare.patients.picker import PatientPickerField


class ConsentForm(AllowForm):
    """django-oauth-toolkit's allow form (the authorization request rides along in hidden fields) plus the
    patient a staff member launches the app for."""

    patient = PatientPickerField(required=False, label="Patient")


class SmartAppForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="As the app is known to the people who will use it.")
    redirect_uris = forms.CharField(
        label="Redirect URIs",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: where the app receives the authorization code (https://, or http://localhost).",
    )
    client_type = forms.ChoiceField(
        label="Client type",
        choices=[
            ("public", "Public: runs in a browser or on a phone, keeps no secret (PKCE only)"),
            ("confidential", "Confidential: runs on a server and keeps a client secret"),
        ],
    )
    allowed_scopes = forms.CharField(
        label="Allowed scopes",
        initial="launch/patient patient/*.rs offline_access",
        help_text="Space-separated SMART scopes the app may ask for, e.g. launch/patient patient/*.rs "
        "user/Observation.rs offline_access, and openid fhirUser profile for the user's identity. "
        "The app is never granted more than a user's role allows.",
    )
