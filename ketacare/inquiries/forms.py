"""HTML forms. They only turn posted text into values; the rules are in domain/validation.py.

Fields are optional here on purpose: whether something is missing or wrong is
decided once, by the action, for the page and the API alike.
"""

from django import forms
from django.core.exceptions import ValidationError

from ketacare.clinics.models import Location
from ketacare.inquiries.domain.validation import (
    LONG_TEXT_MAX_CHARS,
    MAX_WINDOWS,
    InquirySubmission,
    WindowRequest,
)
from ketacare.inquiries.models import HelpReason, InquiryStatus

# Rows shown at once; the rest sit behind "Add more days and times".
VISIBLE_WINDOWS = 3
WINDOWS_ERROR_KEY = "windows"


class InquiryForm(forms.Form):
    first_name = forms.CharField(
        required=False, label="First name (required)", widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        required=False, label="Last name (required)", widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    date_of_birth = forms.DateField(
        required=False,
        label="Date of birth (required)",
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    phone = forms.CharField(
        required=False, label="Phone", widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
    )
    # A CharField, not an EmailField: the action judges the address, as for the API.
    email = forms.CharField(
        required=False, label="Email", widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email"})
    )
    preferred_location_id = forms.IntegerField(required=False, label="Preferred location", widget=forms.Select)
    reasons = forms.MultipleChoiceField(
        required=False,
        choices=HelpReason.choices,
        widget=forms.CheckboxSelectMultiple,
        label="What would you like help with?",
    )
    reason_other = forms.CharField(required=False, label="Other (tell us briefly)")
    current_treatment = forms.CharField(
        required=False,
        label="Current treatment",
        help_text="Medicines, therapy or other care you have now (optional).",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": LONG_TEXT_MAX_CHARS}),
    )
    heard_about = forms.CharField(required=False, label="How did you hear about us?")
    consent_to_contact = forms.BooleanField(
        required=False,
        label="I agree that the clinic may contact me by phone or email about this request (required)",
    )
    # Honeypot: off screen and out of the tab order; people leave it empty.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"class": "hp", "tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, locations: list[Location], **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["preferred_location_id"].widget.choices = [("", "No preference")] + [
            (location.pk, f"{location.name} ({location.time_zone.split('/')[-1].replace('_', ' ')} time)")
            for location in locations
        ]
        for number in range(1, MAX_WINDOWS + 1):
            self.fields[f"window_{number}_date"] = forms.DateField(
                required=False,
                label=f"Day {number}",
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
            self.fields[f"window_{number}_start"] = forms.TimeField(
                required=False,
                label=f"From {number}",
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
            self.fields[f"window_{number}_end"] = forms.TimeField(
                required=False,
                label=f"To {number}",
                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            )
        self.window_errors: list[str] = []

    def _window_row(self, number: int) -> list[forms.BoundField]:
        return [self[f"window_{number}_{part}"] for part in ("date", "start", "end")]

    @property
    def window_rows(self) -> list[list[forms.BoundField]]:
        return [self._window_row(number) for number in range(1, VISIBLE_WINDOWS + 1)]

    @property
    def more_window_rows(self) -> list[list[forms.BoundField]]:
        return [self._window_row(number) for number in range(VISIBLE_WINDOWS + 1, MAX_WINDOWS + 1)]

    @property
    def more_windows_used(self) -> bool:
        return any(field.value() for row in self.more_window_rows for field in row)

    def submission(self) -> InquirySubmission:
        data = self.cleaned_data
        return InquirySubmission(
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            phone=data["phone"],
            email=data["email"],
            preferred_location_id=data["preferred_location_id"],
            windows=tuple(
                WindowRequest(data[f"window_{n}_date"], data[f"window_{n}_start"], data[f"window_{n}_end"])
                for n in range(1, MAX_WINDOWS + 1)
            ),
            reasons=tuple(data["reasons"]),
            reason_other=data["reason_other"],
            current_treatment=data["current_treatment"],
            heard_about=data["heard_about"],
            consent_to_contact=data["consent_to_contact"],
            website=data["website"],
        )

    def show_errors(self, error: ValidationError) -> None:
        """Put the action's errors next to the fields they name; window errors above the rows."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            if name == WINDOWS_ERROR_KEY:
                self.window_errors.extend(messages)
            else:
                self.add_error(name if name in self.fields else None, messages)


class InquiryStatusForm(forms.Form):
    status = forms.ChoiceField(choices=InquiryStatus.choices, label="New status")
    note = forms.CharField(
        required=False,
        label="Note (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="e.g. called, left a voicemail",
    )
