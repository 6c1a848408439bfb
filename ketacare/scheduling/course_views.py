"""Pages of whole courses and the waitlist: thin, each calls one action or selector of courses.py."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.lib.forms import error_text, show_errors
from ketacare.patients.models import Patient
from ketacare.protocols.selectors import access_plan_by_id, access_plans_by_patient_id
from ketacare.scheduling import courses
from ketacare.scheduling.models import Chair
from ketacare.scheduling.selectors import (
    SlotConflict,
    visible_appointment_types,
    visible_locations,
)

DAY_CHOICES = [(key, key.capitalize()) for key in courses.WEEKDAY_KEYS]


class AvailabilityFields(forms.Form):
    """The patient's available days and times, as one window of the exchange format."""

    days = forms.MultipleChoiceField(choices=DAY_CHOICES, widget=forms.CheckboxSelectMultiple,
                                     initial=["mon", "tue", "wed", "thu", "fri"], required=False)
    from_time = forms.TimeField(label="Available from", initial=dt.time(8), widget=forms.TimeInput(attrs={"type": "time"}))
    to_time = forms.TimeField(label="Available until", initial=dt.time(18), widget=forms.TimeInput(attrs={"type": "time"}))

    def availability(self) -> list[dict]:
        data = self.cleaned_data
        return [{"days": data.get("days") or [], "from": data["from_time"].strftime("%H:%M"),
                 "to": data["to_time"].strftime("%H:%M")}]


class CourseForm(AvailabilityFields):
    appointment_type = forms.ModelChoiceField(queryset=None, empty_label=None)
    locations = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple)
    any_time = forms.BooleanField(required=False, label="Any time the location is open")
    shift_days = forms.IntegerField(min_value=0, max_value=courses.MAX_COURSE_HORIZON_DAYS, initial=0,
                                    widget=forms.HiddenInput, required=False)
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
            "any_time": data["any_time"], "shift_days": data.get("shift_days") or 0,
        }


class MoveSessionForm(forms.Form):
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    chair = forms.ModelChoiceField(queryset=Chair.objects.none(), required=False, empty_label="Keep or pick a free chair")


class CancelRestForm(forms.Form):
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


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
    field_order = ("record_number", "appointment_type", "locations", "sessions", "min_days_between", "max_span_days",
                   "earliest_date", "latest_start_date", "days", "from_time", "to_time")

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["appointment_type"].queryset = visible_appointment_types(user).exclude(chair="")
        self.fields["locations"].queryset = visible_locations(user)

    def clean(self):
        data = super().clean()
        number = (data.get("record_number") or "").strip()
        patient = Patient.objects.filter(organisation_id=self.user.organisation_id, record_number=number).first()
        if patient is None:
            self.add_error("record_number", "No patient of this clinic has this record number.")
        else:
            data["patient"] = patient.pk
        return data

    def action_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "patient_id": data["patient"], "appointment_type_id": data["appointment_type"].pk,
            "location_ids": [location.pk for location in data["locations"]], "sessions": data["sessions"],
            "min_days_between": data["min_days_between"], "max_span_days": data["max_span_days"],
            "earliest_date": data["earliest_date"], "latest_start_date": data.get("latest_start_date"),
            "availability": self.availability(),
        }


class ScheduleForm(forms.Form):
    weeks = forms.IntegerField(min_value=1, max_value=courses.MAX_WAITLIST_WEEKS, initial=4, label="Coming weeks")


# ---------------------------------------------------------------------------
# Courses


@permission_required(Permission.SCHEDULE_VIEW)
@require_GET
def patient_courses(request, patient_id: int):
    """A patient's treatment plans to book and the courses booked for them."""
    user = request.user
    patient, plans = access_plans_by_patient_id(user, patient_id)
    plans = [plan for plan in plans if plan.status in courses.BOOKABLE_PLAN_STATUSES]
    return render(request, "scheduling/course_list.html", {
        "patient": patient, "plans": plans, "courses": courses.courses_of_patient(user, patient_id),
        "may_book": user_may(user, Permission.SCHEDULE_BOOK),
    })


def _course_form_initial(plan) -> dict:
    initial = {"shift_days": 0}
    appointment_type = courses.default_appointment_type(plan)
    if appointment_type is not None:
        initial["appointment_type"] = appointment_type.pk
    if plan.patient.home_location_id:
        initial["locations"] = [plan.patient.home_location_id]
    return initial


@permission_required(Permission.SCHEDULE_BOOK)
def book_course(request, plan_id: int):
    """Book a plan's whole course; when it does not fit, show why and the alternatives to pick."""
    user = request.user
    plan = access_plan_by_id(user, plan_id)
    proposal = None
    if request.method == "POST":
        form = CourseForm(user, request.POST)
        if form.is_valid():
            try:
                course = courses.do_book_course(user, plan.pk, **form.action_fields())
            except courses.CourseDoesNotFit as refused:
                proposal = refused.proposal
            except SlotConflict as exc:
                messages.error(request, error_text(exc))
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                messages.success(request, f"Course booked: {course.appointments.count()} sessions at {course.location.name}.")
                return redirect("scheduling:course_detail", pk=course.pk)
    else:
        form = CourseForm(user, initial=_course_form_initial(plan))
    sessions = list(plan.sessions.order_by("sequence"))
    return render(request, "scheduling/course_book.html", {
        "plan": plan, "patient": plan.patient, "sessions": sessions, "form": form, "proposal": proposal,
        "posted": request.POST, "posted_days": request.POST.getlist("days"),
    })


def _render_course(request, pk: int, *, move_errors=None, cancel_form=None, status=200):
    user = request.user
    course, appointments = courses.access_course_detail(user, pk)
    zone = course.location.zone
    rows = [{
        "appointment": a, "local_start": a.starts_at.astimezone(zone), "local_end": a.ends_at.astimezone(zone),
        "sequence": a.planned_session.sequence if a.planned_session_id else None,
        "window": (a.planned_session.window_start, a.planned_session.window_end) if a.planned_session_id else None,
        "movable": a.status == "booked" and a.starts_at > timezone.now() and course.cancelled_at is None,
    } for a in appointments]
    return render(request, "scheduling/course_detail.html", {
        "course": course, "patient": course.patient, "rows": rows, "zone": course.location.time_zone,
        "may_book": user_may(user, Permission.SCHEDULE_BOOK) and course.cancelled_at is None,
        "move_errors": move_errors or {}, "cancel_form": cancel_form or CancelRestForm(),
        "min_days_between": courses.min_days_between(course),
    }, status=status)


@permission_required(Permission.SCHEDULE_VIEW)
@require_GET
def course_detail(request, pk: int):
    return _render_course(request, pk)


@permission_required(Permission.SCHEDULE_BOOK)
@require_POST
def course_session_move(request, pk: int, appointment_id: int):
    """Move one session; the rest of the course is re-checked (windows, spacing, order)."""
    user = request.user
    course = courses.access_course_by_id(user, pk)
    form = MoveSessionForm(request.POST)
    form.fields["chair"].queryset = Chair.objects.filter(location=course.location, is_active=True)
    if form.is_valid():
        starts_at = dt.datetime.combine(form.cleaned_data["start_date"], form.cleaned_data["start_time"],
                                        tzinfo=course.location.zone)
        chair = form.cleaned_data.get("chair")
        if not course.appointments.filter(pk=appointment_id).exists():
            return _render_course(request, pk, move_errors={appointment_id: "Not a session of this course."}, status=422)
        try:
            courses.do_move_course_session(user, appointment_id, starts_at=starts_at, chair_id=chair.pk if chair else None)
        except ValidationError as exc:
            return _render_course(request, pk, move_errors={appointment_id: error_text(exc)}, status=422)
        messages.success(request, f"Session moved to {starts_at:%a %d %b %Y %H:%M}; the rest of the course still fits.")
        return redirect("scheduling:course_detail", pk=pk)
    return _render_course(request, pk, move_errors={appointment_id: error_text(ValidationError(form.errors))}, status=422)


@permission_required(Permission.SCHEDULE_BOOK)
@require_POST
def course_cancel_rest(request, pk: int):
    form = CancelRestForm(request.POST)
    if form.is_valid():
        try:
            cancelled = courses.do_cancel_rest_of_course(request.user, pk, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, f"Cancelled the rest of the course ({len(cancelled)} sessions).")
            return redirect("scheduling:course_detail", pk=pk)
    return _render_course(request, pk, cancel_form=form, status=422)


# ---------------------------------------------------------------------------
# Waitlist


def _render_waitlist(request, *, form=None, run=None, status=200):
    user = request.user
    return render(request, "scheduling/waitlist_list.html", {
        "entries": courses.list_waitlist(user, status=None),
        "form": form or WaitlistForm(user, initial={"earliest_date": timezone.localdate() + dt.timedelta(days=1)}),
        "schedule_form": ScheduleForm(), "run": run,
    }, status=status)


@permission_required(Permission.SCHEDULE_WAITLIST)
@require_GET
def waitlist(request):
    return _render_waitlist(request)


@permission_required(Permission.SCHEDULE_WAITLIST)
@require_POST
def waitlist_add(request):
    form = WaitlistForm(request.user, request.POST)
    if form.is_valid():
        try:
            courses.do_add_to_waitlist(request.user, **form.action_fields())
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, "Added to the waitlist.")
            return redirect("scheduling:waitlist")
    return _render_waitlist(request, form=form, status=422)


@permission_required(Permission.SCHEDULE_WAITLIST)
@require_POST
def waitlist_withdraw(request, pk: int):
    try:
        courses.do_withdraw_from_waitlist(request.user, pk, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "Withdrawn from the waitlist.")
    return redirect("scheduling:waitlist")


@permission_required(Permission.SCHEDULE_WAITLIST)
@require_POST
def waitlist_schedule(request):
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, error_text(ValidationError(form.errors)))
        return redirect("scheduling:waitlist")
    try:
        run = courses.do_schedule_waitlist(request.user, weeks=form.cleaned_data["weeks"])
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("scheduling:waitlist")
    messages.success(request, f"Booked {len(run.booked)} course(s); {len(run.not_booked)} still waiting.")
    return _render_waitlist(request, run=run)
