"""Pages of single bookings, calendars and scheduling resources.

Thin: each view parses a form, calls one action or selector and renders or redirects; errors an
action raises are shown on the form, naming the field. Calendars answer htmx requests with the
calendar fragment only (prev / next navigation).
"""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.lib.forms import error_text, show_errors
from ketacare.patients.models import Patient
from ketacare.scheduling import actions
from ketacare.scheduling.forms import (
    AppointmentTypeForm,
    BookingForm,
    CalendarForm,
    CancelForm,
    ChairForm,
    ClosedDateForm,
    ExceptionForm,
    MoveForm,
    OpeningHoursForm,
    SettingsForm,
    ShiftForm,
    SkillsForm,
)
from ketacare.scheduling.models import Chair, ClosedDate, StaffException, StaffShift, Weekday
from ketacare.scheduling.selectors import (
    access_appointment_by_id,
    access_appointment_type_by_id,
    access_chair_by_id,
    access_location_by_id,
    location_calendar,
    location_resources,
    scheduling_settings,
    staff_calendar,
    staff_resources,
    visible_appointment_types,
    visible_locations,
    visible_staff,
)

MANAGE = Permission.SCHEDULE_RESOURCES_MANAGE
CALENDAR_YEARS = (2000, 2100)


def _calendar_range(request, zone) -> tuple[dt.date, int, str]:
    form = CalendarForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    view = data.get("view") or "week"
    day = data.get("date")
    # Far-off dates are a typo (and would overflow date arithmetic): show this week instead.
    if day is None or not CALENDAR_YEARS[0] <= day.year <= CALENDAR_YEARS[1]:
        day = timezone.now().astimezone(zone).date()
    if view == "week":
        day -= dt.timedelta(days=day.weekday())
    return day, (7 if view == "week" else 1), view


def _nav(day: dt.date, span: int, view: str) -> dict:
    return {
        "view": view,
        "prev": (day - dt.timedelta(days=span)).isoformat(),
        "next": (day + dt.timedelta(days=span)).isoformat(),
        "today": timezone.now().date().isoformat(),
    }


def _render_calendar(request, page: str, fragment: str, context: dict):
    template = fragment if request.headers.get("HX-Request") else page
    return render(request, template, context)


@permission_required(Permission.SCHEDULE_VIEW)
@require_GET
def calendar_index(request):
    """Where calendars start: every location and staff member of the clinic."""
    user = request.user
    return render(request, "scheduling/calendar_index.html", {
        "locations": list(visible_locations(user)),
        "staff": list(visible_staff(user).order_by("last_name", "first_name")),
        "may_book": user_may(user, Permission.SCHEDULE_BOOK),
        "may_manage": user_may(user, MANAGE),
    })


@permission_required(Permission.SCHEDULE_VIEW)
@require_GET
def location_calendar_view(request, pk: int):
    """Day or week at a location, chairs as columns, times in the location's zone."""
    location = access_location_by_id(request.user, pk)
    day, span, view = _calendar_range(request, location.zone)
    calendar = location_calendar(request.user, pk, day, span)
    return _render_calendar(request, "scheduling/location_calendar.html", "scheduling/_location_calendar.html", {
        "calendar": calendar, "location": calendar.location, "calendar_nav": _nav(day, span, view),
        "may_book": user_may(request.user, Permission.SCHEDULE_BOOK),
    })


@permission_required(Permission.SCHEDULE_VIEW)
@require_GET
def staff_calendar_view(request, pk: int):
    """One staff member's appointments and shifts; times in the zone of their clinic's first location."""
    user = request.user
    location = visible_locations(user).first()
    zone = location.zone if location else dt.timezone.utc
    day, span, view = _calendar_range(request, zone)
    calendar = staff_calendar(user, pk, day, span, zone)
    return _render_calendar(request, "scheduling/staff_calendar.html", "scheduling/_staff_calendar.html", {
        "calendar": calendar, "calendar_nav": _nav(day, span, view), "zone_name": getattr(zone, "key", "UTC"),
    })


# ---------------------------------------------------------------------------
# Appointments


def _booking_form(user, data=None, initial=None) -> BookingForm:
    locations = visible_locations(user)
    return BookingForm(
        data, initial=initial,
        patients=Patient.objects.filter(organisation_id=user.organisation_id).order_by("last_name", "first_name"),
        appointment_types=visible_appointment_types(user),
        locations=locations,
        chairs=Chair.objects.filter(location__in=locations, is_active=True).select_related("location"),
        staff=visible_staff(user).order_by("last_name", "first_name"),
    )


@permission_required(Permission.SCHEDULE_BOOK)
def book(request):
    """Book one appointment; the query string can prefill patient, location, date, time and chair."""
    user = request.user
    if request.method == "POST":
        form = _booking_form(user, request.POST)
        if form.is_valid():
            try:
                appointment = actions.do_book_appointment(user, **form.action_fields())
            except ValidationError as exc:
                show_errors(form, exc)
            else:
                messages.success(request, "Appointment booked.")
                return redirect("scheduling:appointment_detail", pk=appointment.pk)
    else:
        initial = {key: request.GET[key] for key in ("patient", "location", "chair", "appointment_type")
                   if request.GET.get(key, "").isdigit()}
        for key in ("start_date", "start_time"):
            if request.GET.get(key):
                initial[key] = request.GET[key][:10]
        form = _booking_form(user, initial=initial)
    return render(request, "scheduling/book.html", {"form": form})


def _render_appointment(request, pk: int, *, move_form=None, cancel_form=None, audit=True):
    user = request.user
    appointment = access_appointment_by_id(user, pk, audit=audit)
    zone = appointment.location.zone
    may_book = user_may(user, Permission.SCHEDULE_BOOK)
    if may_book and move_form is None:
        local = appointment.starts_at.astimezone(zone)
        move_form = _move_form(user, appointment, initial={"start_date": local.date(), "start_time": local.time()})
    return render(request, "scheduling/appointment_detail.html", {
        "appointment": appointment, "patient": appointment.patient,
        "local_start": appointment.starts_at.astimezone(zone), "local_end": appointment.ends_at.astimezone(zone),
        "local_chair_free": appointment.chair_free_at.astimezone(zone) if appointment.chair_free_at else None,
        "may_book": may_book and appointment.status == "booked",
        "move_form": move_form, "cancel_form": cancel_form or CancelForm(),
    })


def _move_form(user, appointment, data=None, initial=None) -> MoveForm:
    return MoveForm(
        data, initial=initial, zone=appointment.location.zone,
        chairs=Chair.objects.filter(location=appointment.location, is_active=True),
        staff=visible_staff(user).order_by("last_name", "first_name"),
    )


@permission_required(Permission.SCHEDULE_VIEW)
@require_GET
def appointment_detail(request, pk: int):
    """One appointment (audited as a view of the patient's record)."""
    return _render_appointment(request, pk)


@permission_required(Permission.SCHEDULE_BOOK)
@require_POST
def appointment_move(request, pk: int):
    user = request.user
    appointment = access_appointment_by_id(user, pk, audit=False)
    form = _move_form(user, appointment, request.POST)
    if form.is_valid():
        try:
            actions.do_move_appointment(user, pk, **form.action_fields())
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, "Appointment moved.")
            return redirect("scheduling:appointment_detail", pk=pk)
    return _render_appointment(request, pk, move_form=form, audit=False)


@permission_required(Permission.SCHEDULE_BOOK)
@require_POST
def appointment_cancel(request, pk: int):
    form = CancelForm(request.POST)
    access_appointment_by_id(request.user, pk, audit=False)
    if form.is_valid():
        try:
            appointment = actions.do_cancel_appointment(request.user, pk, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, f"Appointment {appointment.get_status_display().lower()}.")
            return redirect("scheduling:appointment_detail", pk=pk)
    return _render_appointment(request, pk, cancel_form=form, audit=False)


@permission_required(Permission.SCHEDULE_BOOK)
@require_POST
def appointment_check_in(request, pk: int):
    try:
        actions.do_check_in_appointment(request.user, pk)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "Checked in.")
    return redirect("scheduling:appointment_detail", pk=pk)


# ---------------------------------------------------------------------------
# Resources (clinic admin)


@permission_required(MANAGE)
@require_GET
def resources(request):
    user = request.user
    return render(request, "scheduling/resources.html", {
        "locations": list(visible_locations(user)),
        "staff": list(visible_staff(user).order_by("last_name", "first_name")),
        "settings": scheduling_settings(user.organisation_id),
    })


def _render_location(request, pk: int, **forms):
    data = location_resources(request.user, pk)
    hours = [(value, label, data.opening.get(value)) for value, label in Weekday.choices]
    return render(request, "scheduling/location_resources.html", {
        "data": data, "location": data.location, "hours": hours,
        "hours_form": forms.get("hours_form") or OpeningHoursForm(),
        "closed_form": forms.get("closed_form") or ClosedDateForm(),
        "chair_form": forms.get("chair_form") or ChairForm(initial={"is_active": True, "supports_iv": True}),
    })


@permission_required(MANAGE)
@require_GET
def location_resources_view(request, pk: int):
    """A location's opening hours, closed dates and chairs."""
    return _render_location(request, pk)


def _post_location_form(request, pk: int, form_class, form_key: str, action, success: str):
    """Run one location form's action; on failure show the page with the form's errors."""
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("scheduling:location_resources", pk=pk)
    return _render_location(request, pk, **{form_key: form})


@permission_required(MANAGE)
@require_POST
def opening_hours_set(request, pk: int):
    access_location_by_id(request.user, pk, permission=MANAGE)
    return _post_location_form(request, pk, OpeningHoursForm, "hours_form",
                               lambda data: actions.do_set_opening_hours(request.user, pk, **data), "Opening hours saved.")


@permission_required(MANAGE)
@require_POST
def closed_date_add(request, pk: int):
    access_location_by_id(request.user, pk, permission=MANAGE)
    return _post_location_form(request, pk, ClosedDateForm, "closed_form",
                               lambda data: actions.do_add_closed_date(request.user, pk, **data), "Closed date added.")


@permission_required(MANAGE)
@require_POST
def closed_date_remove(request, pk: int):
    closed = ClosedDate.objects.filter(pk=pk, location__organisation_id=request.user.organisation_id).first()
    actions.do_remove_closed_date(request.user, pk)
    return redirect("scheduling:location_resources", pk=closed.location_id)


@permission_required(MANAGE)
@require_POST
def chair_add(request, pk: int):
    access_location_by_id(request.user, pk, permission=MANAGE)
    return _post_location_form(request, pk, ChairForm, "chair_form",
                               lambda data: actions.do_save_chair(request.user, location_id=pk, **data), "Chair added.")


@permission_required(MANAGE)
def chair_edit(request, pk: int):
    chair = access_chair_by_id(request.user, pk, permission=MANAGE)
    form = ChairForm(request.POST or None, initial={
        "name": chair.name, "supports_iv": chair.supports_iv, "supports_esketamine": chair.supports_esketamine,
        "is_active": chair.is_active,
    })
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_chair(request.user, chair_id=pk, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, "Chair saved.")
            return redirect("scheduling:location_resources", pk=chair.location_id)
    return render(request, "scheduling/chair_edit.html", {"chair": chair, "form": form})


def _render_staff(request, pk: int, **forms):
    user = request.user
    data = staff_resources(user, pk)
    locations = visible_locations(user)
    return render(request, "scheduling/staff_resources.html", {
        "data": data, "person": data.person,
        "skills_form": forms.get("skills_form") or SkillsForm(initial={"skills": data.skills}),
        "shift_form": forms.get("shift_form") or ShiftForm(locations=locations),
        "exception_form": forms.get("exception_form") or ExceptionForm(locations=locations),
    })


@permission_required(MANAGE)
@require_GET
def staff_resources_view(request, pk: int):
    """A staff member's skills, weekly shifts and exceptions (leave, extra hours)."""
    return _render_staff(request, pk)


def _post_staff_form(request, pk: int, form, form_key: str, action, success: str):
    if form.is_valid():
        try:
            action(form)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("scheduling:staff_resources", pk=pk)
    return _render_staff(request, pk, **{form_key: form})


@permission_required(MANAGE)
@require_POST
def staff_skills(request, pk: int):
    staff_resources(request.user, pk)
    return _post_staff_form(request, pk, SkillsForm(request.POST), "skills_form",
                            lambda f: actions.do_set_staff_skills(request.user, pk, f.cleaned_data["skills"]),
                            "Skills saved.")


@permission_required(MANAGE)
@require_POST
def shift_add(request, pk: int):
    user = request.user
    staff_resources(user, pk)
    form = ShiftForm(request.POST, locations=visible_locations(user))

    def add(f):
        data = dict(f.cleaned_data)
        actions.do_add_staff_shift(user, pk, location_id=data.pop("location").pk, **data)

    return _post_staff_form(request, pk, form, "shift_form", add, "Shift added.")


@permission_required(MANAGE)
@require_POST
def exception_add(request, pk: int):
    user = request.user
    staff_resources(user, pk)
    form = ExceptionForm(request.POST, locations=visible_locations(user))
    return _post_staff_form(request, pk, form, "exception_form",
                            lambda f: actions.do_add_staff_exception(user, pk, **f.action_fields()), "Saved.")


@permission_required(MANAGE)
@require_POST
def shift_remove(request, pk: int):
    shift = StaffShift.objects.filter(pk=pk, user__organisation_id=request.user.organisation_id).first()
    actions.do_remove_staff_shift(request.user, pk)
    return redirect("scheduling:staff_resources", pk=shift.user_id)


@permission_required(MANAGE)
@require_POST
def exception_remove(request, pk: int):
    exception = StaffException.objects.filter(pk=pk, user__organisation_id=request.user.organisation_id).first()
    actions.do_remove_staff_exception(request.user, pk)
    return redirect("scheduling:staff_resources", pk=exception.user_id)


@permission_required(MANAGE)
def type_list(request):
    """Appointment types; a clinic admin adds one here or adds the defaults."""
    user = request.user
    form = AppointmentTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_appointment_type(user, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, "Appointment type added.")
            return redirect("scheduling:type_list")
    return render(request, "scheduling/type_list.html", {
        "types": list(visible_appointment_types(user, active_only=False).order_by("name")), "form": form,
    })


@permission_required(MANAGE)
@require_POST
def type_defaults(request):
    created = actions.do_add_default_appointment_types(request.user)
    messages.success(request, f"{len(created)} default appointment type(s) added.")
    return redirect("scheduling:type_list")


@permission_required(MANAGE)
def type_edit(request, pk: int):
    appointment_type = access_appointment_type_by_id(request.user, pk, permission=MANAGE)
    form = AppointmentTypeForm(request.POST or None, instance=appointment_type)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_appointment_type(request.user, type_id=pk, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, "Appointment type saved.")
            return redirect("scheduling:type_list")
    return render(request, "scheduling/type_edit.html", {"appointment_type": appointment_type, "form": form})


@permission_required(MANAGE)
def settings_view(request):
    """Monitoring ratio, prescriber policy for IV, reminder and cancellation windows, slot size."""
    user = request.user
    current = scheduling_settings(user.organisation_id)
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_scheduling_settings(user, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, "Scheduling settings saved.")
            return redirect("scheduling:settings")
    return render(request, "scheduling/settings.html", {"form": form})

