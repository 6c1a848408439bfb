"""Forms of the scheduling pages (booking, calendars, resources, courses, the waitlist, attendance).

Times are entered in the location's zone.
"""

import datetime as dt

from django import forms

from ketacare.lib.text import REASON_MAX_CHARS
from ketacare.patients.picker import PatientPickerField
from ketacare.scheduling.actions.resources import APPOINTMENT_TYPE_FIELDS, SETTINGS_FIELDS
from ketacare.scheduling.actions.waitlist import MAX_WAITLIST_WEEKS
from ketacare.scheduling.models import AppointmentType, Chair, SchedulingSettings, Skill, Weekday
from ketacare.scheduling.selectors.courses import MAX_COURSE_HORIZON_DAYS
from ketacare.scheduling.selectors.resources import visible_appointment_types, visible_locations
from ketacare.scheduling.selectors.waitlist import patient_by_record_number
from ketacare.scheduling.solver_input import WEEKDAY_KEYS

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
        return f"{user.display_name} ({user.role_label})"


class BookingForm(forms.Form):
    patient = PatientPickerField()
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
            "patient_id": data["patient"].pk,
            "appointment_type_id": data["appointment_type"].pk,
            "location_id": data["location"].pk,
            "starts_at": data["starts_at"],
            "chair_id": data["chair"].pk if data.get("chair") else None,
            "clinician_id": data["clinician"].pk if data.get("clinician") else None,
            "notes": data.get("notes", ""),
        }


class FreeSlotsForm(forms.Form):
    """What the earliest free slots are searched for (the booking form's own field names)."""

    patient = PatientPickerField()
    appointment_type = forms.ModelChoiceField(queryset=AppointmentType.objects.none())
    location = forms.ModelChoiceField(queryset=None)
    start_date = DateField(required=False, label="From", help_text="Blank: from now")

    def __init__(self, *args, patients, appointment_types, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = patients
        self.fields["appointment_type"].queryset = appointment_types
        self.fields["location"].queryset = locations

    def search_fields(self, now: dt.datetime) -> dict:
        data = self.cleaned_data
        not_before = now
        if data.get("start_date"):
            not_before = max(now, local_datetime(data["start_date"], dt.time(), data["location"].zone))
        return {
            "patient_id": data["patient"].pk,
            "appointment_type_id": data["appointment_type"].pk,
            "location_id": data["location"].pk,
            "not_before": not_before,
        }


class MonitoringNurseForm(forms.Form):
    nurse = _StaffChoice(
        queryset=None, required=False, label="Monitoring nurse", help_text="Blank: the first free nurse on shift"
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nurse"].queryset = staff


class MoveForm(forms.Form):
    start_date = DateField()
    start_time = forms.TimeField(widget=TIME, help_text="In the location's time zone")
    chair = forms.ModelChoiceField(
        queryset=None, required=False, help_text="Blank: keep the chair if free, else pick one"
    )
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
    reason = forms.CharField(max_length=REASON_MAX_CHARS)


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
        choices=[("0", "Leave / time away"), ("1", "Extra hours at the location")],
        coerce=lambda v: v == "1",
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
            "is_available": data["is_available"],
            "location_id": data["location"].pk,
            "starts_at": local_datetime(data["start_date"], data["start_time"], zone),
            "ends_at": local_datetime(data["end_date"], data["end_time"], zone),
            "reason": data.get("reason", ""),
        }


class AppointmentTypeForm(forms.ModelForm):
    class Meta:
        model = AppointmentType
        fields = APPOINTMENT_TYPE_FIELDS
        widgets = {"patient_instructions": forms.Textarea(attrs={"rows": 3})}

    def validate_unique(self):
        # The action checks uniqueness within the organisation (the form has no organisation).
        pass


class SettingsForm(forms.ModelForm):
    class Meta:
        model = SchedulingSettings
        fields = SETTINGS_FIELDS


# ---------------------------------------------------------------------------
# Courses and the waitlist

DAY_CHOICES = [(key, key.capitalize()) for key in WEEKDAY_KEYS]


class AvailabilityFields(forms.Form):
    """The patient's available days and times, as one window of the exchange format."""

    days = forms.MultipleChoiceField(
        choices=DAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=["mon", "tue", "wed", "thu", "fri"],
        required=False,
    )
    from_time = forms.TimeField(
        label="Available from", initial=dt.time(8), widget=forms.TimeInput(attrs={"type": "time"})
    )
    to_time = forms.TimeField(
        label="Available until", initial=dt.time(18), widget=forms.TimeInput(attrs={"type": "time"})
    )

    def availability(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "days": data.get("days") or [],
                "from": data["from_time"].strftime("%H:%M"),
                "to": data["to_time"].strftime("%H:%M"),
            }
        ]


class CourseForm(AvailabilityFields):
    appointment_type = forms.ModelChoiceField(queryset=None, empty_label=None)
    locations = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple)
    any_time = forms.BooleanField(required=False, label="Any time the location is open")
    shift_days = forms.IntegerField(
        min_value=0, max_value=MAX_COURSE_HORIZON_DAYS, initial=0, widget=forms.HiddenInput, required=False
    )
    field_order = ("appointment_type", "locations", "days", "from_time", "to_time", "any_time", "shift_days")

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appointment_type"].queryset = visible_appointment_types(user).exclude(chair="")
        self.fields["locations"].queryset = visible_locations(user)

    def action_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "appointment_type_id": data["appointment_type"].pk,
            "location_ids": [location.pk for location in data["locations"]],
            "availability": None if data["any_time"] else self.availability(),
            "any_time": data["any_time"],
            "shift_days": data.get("shift_days") or 0,
        }


class MoveSessionForm(forms.Form):
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    chair = forms.ModelChoiceField(
        queryset=Chair.objects.none(), required=False, empty_label="Keep or pick a free chair"
    )


class CancelRestForm(forms.Form):
    reason = forms.CharField(max_length=REASON_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2}))


class WaitlistForm(AvailabilityFields):
    patient = forms.IntegerField(min_value=1, label="Patient id", widget=forms.HiddenInput, required=False)
    record_number = forms.CharField(max_length=40, required=False, label="Patient record number")
    appointment_type = forms.ModelChoiceField(queryset=None, empty_label=None)
    locations = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple)
    sessions = forms.IntegerField(min_value=1, max_value=60, initial=6)
    min_days_between = forms.IntegerField(min_value=0, max_value=60, initial=1)
    max_span_days = forms.IntegerField(min_value=0, max_value=366, initial=21)
    earliest_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    latest_start_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    field_order = (
        "record_number",
        "appointment_type",
        "locations",
        "sessions",
        "min_days_between",
        "max_span_days",
        "earliest_date",
        "latest_start_date",
        "days",
        "from_time",
        "to_time",
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["appointment_type"].queryset = visible_appointment_types(user).exclude(chair="")
        self.fields["locations"].queryset = visible_locations(user)

    def clean(self):
        data = super().clean()
        patient = patient_by_record_number(self.user, (data.get("record_number") or "").strip())
        if patient is None:
            self.add_error("record_number", "No patient of this clinic has this record number.")
        else:
            data["patient"] = patient.pk
        return data

    def action_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "patient_id": data["patient"],
            "appointment_type_id": data["appointment_type"].pk,
            "location_ids": [location.pk for location in data["locations"]],
            "sessions": data["sessions"],
            "min_days_between": data["min_days_between"],
            "max_span_days": data["max_span_days"],
            "earliest_date": data["earliest_date"],
            "latest_start_date": data.get("latest_start_date"),
            "availability": self.availability(),
        }


class ScheduleForm(forms.Form):
    weeks = forms.IntegerField(min_value=1, max_value=MAX_WAITLIST_WEEKS, initial=4, label="Coming weeks")


# ---------------------------------------------------------------------------
# Attendance


class ReasonForm(forms.Form):
    reason = forms.CharField(
        required=False, max_length=REASON_MAX_CHARS, widget=forms.TextInput(attrs={"placeholder": "Reason (optional)"})
    )
