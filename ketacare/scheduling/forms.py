"""Forms of the booking, calendar and resource pages. Times are entered in the location's zone."""

import datetime as dt

from django import forms

from ketacare.patients.models import Patient
from ketacare.scheduling.models import AppointmentType, SchedulingSettings, Skill, Weekday

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")


YEARS = (2000, 2100)


class DateField(forms.DateField):
    """A date in a plausible range: far-off years are typos, and would overflow time zone arithmetic."""

    widget = DATE

    def clean(self, value):
        date = super().clean(value)
        if date is not None and not YEARS[0] <= date.year <= YEARS[1]:
            raise forms.ValidationError(f"Enter a date between {YEARS[0]} and {YEARS[1]}.")
        return date


def local_datetime(date: dt.date, time: dt.time, zone) -> dt.datetime:
    """A wall-clock time at a location as an aware datetime."""
    return dt.datetime.combine(date, time, tzinfo=zone)


class _StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user.get_full_name() or user.username} ({user.role_label})"


class BookingForm(forms.Form):
    patient = forms.ModelChoiceField(queryset=Patient.objects.none())
    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none())
    location = forms.ModelChoiceField(queryset=None)
    start_date = DateField()
    start_time = forms.TimeField(widget=TIME, help_text="In the location's time zone")
    chair = forms.ModelChoiceField(queryset=None, required=False, help_text="Blank: the first free chair that fits")
    clinician = _StaffChoice(queryset=None, required=False, help_text="Blank: the first free clinician with the skill")
    notes = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, patients, appointment_types, locations, chairs, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = patients
        self.fields["appointment_type"].queryset = appointment_types
        self.fields["location"].queryset = locations
        self.fields["chair"].queryset = chairs
        self.fields["clinician"].queryset = staff

    def clean(self):
        data = super().clean()
        location, chair = data.get("location"), data.get("chair")
        if location and chair and chair.location_id != location.pk:
            self.add_error("chair", f"{chair.name} is at {chair.location.name}, not {location.name}.")
        if location and data.get("start_date") and data.get("start_time"):
            data["starts_at"] = local_datetime(data["start_date"], data["start_time"], location.zone)
        return data

    def action_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "patient_id": data["patient"].pk, "appointment_type_id": data["appointment_type"].pk,
            "location_id": data["location"].pk, "starts_at": data["starts_at"],
            "chair_id": data["chair"].pk if data.get("chair") else None,
            "clinician_id": data["clinician"].pk if data.get("clinician") else None,
            "notes": data.get("notes", ""),
        }


class MoveForm(forms.Form):
    start_date = DateField()
    start_time = forms.TimeField(widget=TIME, help_text="In the location's time zone")
    chair = forms.ModelChoiceField(queryset=None, required=False, help_text="Blank: keep the chair if free, else pick one")
    clinician = _StaffChoice(queryset=None, required=False)
    reason = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, zone, chairs, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["chair"].queryset = chairs
        self.fields["clinician"].queryset = staff

    def action_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "starts_at": local_datetime(data["start_date"], data["start_time"], self.zone),
            "chair_id": data["chair"].pk if data.get("chair") else None,
            "clinician_id": data["clinician"].pk if data.get("clinician") else None,
            "reason": data.get("reason", ""),
        }


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=2000)


class CalendarForm(forms.Form):
    date = DateField(required=False)
    view = forms.ChoiceField(choices=[("day", "Day"), ("week", "Week")], required=False)


class OpeningHoursForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int)
    opens_at = forms.TimeField(required=False, widget=TIME)
    closes_at = forms.TimeField(required=False, widget=TIME, help_text="Both blank: closed that weekday")


class ClosedDateForm(forms.Form):
    date = DateField()
    reason = forms.CharField(required=False, max_length=200)


class ChairForm(forms.Form):
    name = forms.CharField(max_length=100)
    supports_iv = forms.BooleanField(required=False, label="Has an infusion pump")
    supports_esketamine = forms.BooleanField(required=False, label="Suitable for esketamine observation")
    is_active = forms.BooleanField(required=False, initial=True, label="In use")


class SkillsForm(forms.Form):
    skills = forms.MultipleChoiceField(choices=Skill.choices, required=False, widget=forms.CheckboxSelectMultiple)


class ShiftForm(forms.Form):
    location = forms.ModelChoiceField(queryset=None)
    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int)
    starts_at = forms.TimeField(widget=TIME)
    ends_at = forms.TimeField(widget=TIME)

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations


class ExceptionForm(forms.Form):
    is_available = forms.TypedChoiceField(
        choices=[("0", "Leave / time away"), ("1", "Extra hours at the location")], coerce=lambda v: v == "1",
        label="Kind",
    )
    location = forms.ModelChoiceField(queryset=None, help_text="Times are in this location's zone")
    start_date = DateField()
    start_time = forms.TimeField(widget=TIME, initial=dt.time(0, 0))
    end_date = DateField()
    end_time = forms.TimeField(widget=TIME, initial=dt.time(23, 59))
    reason = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations

    def action_fields(self) -> dict:
        data = self.cleaned_data
        zone = data["location"].zone
        return {
            "is_available": data["is_available"], "location_id": data["location"].pk,
            "starts_at": local_datetime(data["start_date"], data["start_time"], zone),
            "ends_at": local_datetime(data["end_date"], data["end_time"], zone),
            "reason": data.get("reason", ""),
        }


class AppointmentTypeForm(forms.ModelForm):
    class Meta:
        model = AppointmentType
        fields = [
            "kind", "name", "preparation_minutes", "duration_minutes", "recovery_minutes", "turnover_minutes",
            "chair", "needs_monitoring", "needs_prescriber_on_site", "clinician_skill", "patient_instructions",
            "is_active",
        ]
        widgets = {"patient_instructions": forms.Textarea(attrs={"rows": 3})}

    def validate_unique(self):
        # The action checks uniqueness within the organisation (the form has no organisation).
        pass


class SettingsForm(forms.ModelForm):
    class Meta:
        model = SchedulingSettings
        fields = [
            "chairs_per_nurse", "prescriber_on_site_for_iv", "first_reminder_hours", "second_reminder_hours",
            "late_cancellation_hours", "solver_time_limit_seconds", "slot_minutes",
        ]
