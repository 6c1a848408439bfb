"""Pages of single bookings and calendars: book, open, move, cancel and check in one appointment.

Calendars answer htmx requests with the calendar fragment only (prev / next navigation).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.lib.forms import show_errors
from ketacare.lib.views import run_action, run_form_action
from ketacare.lib.zones import show_times_in
from ketacare.scheduling.actions import booking
from ketacare.scheduling.forms import (
    BookingForm,
    CalendarForm,
    CancelForm,
    FreeSlotsForm,
    MonitoringNurseForm,
    MoveForm,
)
from ketacare.scheduling.models import Skill
from ketacare.scheduling.selectors.booking import (
    access_appointment_by_id,
    bookable_patients,
    location_calendar,
    next_free_slots,
    staff_calendar,
)
from ketacare.scheduling.selectors.resources import (
    access_location_by_id,
    access_staff_by_id,
    active_chairs,
    visible_appointment_types,
    visible_locations,
    visible_staff,
    zone_of_staff,
)

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
        "day": day.isoformat(),  # the first day shown
        "prev": (day - dt.timedelta(days=span)).isoformat(),
        "next": (day + dt.timedelta(days=span)).isoformat(),
        "today": timezone.localdate().isoformat(),
    }


def _render_calendar(request, page: str, fragment: str, context: dict):
    template = fragment if request.headers.get("HX-Request") else page
    return render(request, template, context)


@permission_required(Permission.SCHEDULE_VIEW)
@require_GET
def calendar_index(request):
    """Where calendars start: every location and staff member of the clinic."""
    user = request.user
    return render(
        request,
        "scheduling/calendar_index.html",
        {
            "locations": list(visible_locations(user)),
            "staff": list(visible_staff(user).order_by("last_name", "first_name")),
            "may_book": user_may(user, Permission.SCHEDULE_BOOK),
            "may_manage": user_may(user, Permission.SCHEDULE_RESOURCES_MANAGE),
        },
    )


@permission_required(Permission.SCHEDULE_VIEW)
@require_GET
def location_calendar_view(request, pk: int):
    """Day or week at a location, chairs as columns, times in the location's zone."""
    location = access_location_by_id(request.user, pk)
    show_times_in(location.zone)
    day, span, view = _calendar_range(request, location.zone)
    calendar = location_calendar(request.user, location, day, span)
    return _render_calendar(
        request,
        "scheduling/location_calendar.html",
        "scheduling/_location_calendar.html",
        {
            "calendar": calendar,
            "location": calendar.location,
            "calendar_nav": _nav(day, span, view),
            "may_book": user_may(request.user, Permission.SCHEDULE_BOOK),
        },
    )


@permission_required(Permission.SCHEDULE_VIEW)
@require_GET
def staff_calendar_view(request, pk: int):
    """One staff member's appointments and shifts; times in the zone of their home location."""
    user = request.user
    zone = show_times_in(zone_of_staff(access_staff_by_id(user, pk)))
    day, span, view = _calendar_range(request, zone)
    calendar = staff_calendar(user, pk, day, span, zone)
    return _render_calendar(
        request,
        "scheduling/staff_calendar.html",
        "scheduling/_staff_calendar.html",
        {"calendar": calendar, "calendar_nav": _nav(day, span, view)},
    )


# ---------------------------------------------------------------------------
# Appointments


def _booking_form(user, data=None, initial=None) -> BookingForm:
    return BookingForm(
        data,
        initial=initial,
        patients=bookable_patients(user),
        appointment_types=visible_appointment_types(user),
        locations=visible_locations(user),
        chairs=active_chairs(user),
        staff=visible_staff(user).order_by("last_name", "first_name"),
    )


@permission_required(Permission.SCHEDULE_BOOK)
def book(request):
    """Book one appointment; the query string can prefill patient, location, date, time and chair."""
    user = request.user
    if request.method == "POST":
        form = _booking_form(user, request.POST)
    else:
        initial = {
            key: request.GET[key]
            for key in ("patient", "location", "chair", "appointment_type")
            if request.GET.get(key, "").isdigit()
        }
        for key in ("start_date", "start_time"):
            if request.GET.get(key):
                initial[key] = request.GET[key][:10]
        form = _booking_form(user, initial=initial)
    return run_form_action(
        request,
        form,
        lambda: booking.do_book_appointment(user, **form.action_fields()),
        success="Appointment booked.",
        redirect_to=lambda appointment: reverse("scheduling:appointment_detail", args=[appointment.pk]),
    ) or render(request, "scheduling/book.html", {"form": form})


@permission_required(Permission.SCHEDULE_BOOK)
@require_GET
def book_slots(request):
    """The earliest free slots for a patient, type and location, each a button that books it
    (htmx fragment on the booking page; a page of its own without htmx)."""
    user = request.user
    form = FreeSlotsForm(
        request.GET,
        patients=bookable_patients(user),
        appointment_types=visible_appointment_types(user),
        locations=visible_locations(user),
    )
    found = None
    if form.is_valid():
        try:
            found = next_free_slots(user, **form.search_fields(timezone.now()))
        except ValidationError as exc:
            show_errors(form, exc)
    slots = []
    if found is not None:
        show_times_in(found.location.zone)
        people = {person.pk: person.display_name for person in visible_staff(user)}
        chairs = {chair.pk: chair.name for chair in active_chairs(user, location_id=found.location.pk)}
        slots = [
            {
                "check": check,
                "chair": chairs.get(check.chair_id, ""),
                "clinician": people.get(check.clinician_id, ""),
                "nurse": people.get(check.monitoring_nurse_id, ""),
            }
            for check in found.slots
        ]
    template = "scheduling/_free_slots.html" if request.headers.get("HX-Request") else "scheduling/free_slots.html"
    return render(request, template, {"form": form, "found": found, "slots": slots})


def _render_appointment(request, pk: int, *, move_form=None, cancel_form=None, nurse_form=None, audit=True):
    user = request.user
    appointment = access_appointment_by_id(user, pk, audit=audit)
    zone = show_times_in(appointment.location.zone)
    may_book = user_may(user, Permission.SCHEDULE_BOOK)
    if may_book and move_form is None:
        local = appointment.starts_at.astimezone(zone)
        move_form = _move_form(user, appointment, initial={"start_date": local.date(), "start_time": local.time()})
    return render(
        request,
        "scheduling/appointment_detail.html",
        {
            "appointment": appointment,
            "patient": appointment.patient,
            "may_book": may_book and appointment.status == "booked",
            "move_form": move_form,
            "cancel_form": cancel_form or CancelForm(),
            "nurse_form": nurse_form
            or MonitoringNurseForm(initial={"nurse": appointment.monitoring_nurse_id}, staff=_nurses(user)),
        },
    )


def _nurses(user):
    return visible_staff(user).filter(skills__skill=Skill.MONITOR).order_by("last_name", "first_name")


def _move_form(user, appointment, data=None, initial=None) -> MoveForm:
    return MoveForm(
        data,
        initial=initial,
        zone=appointment.location.zone,
        chairs=active_chairs(user, location_id=appointment.location_id),
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
    return run_form_action(
        request,
        form,
        lambda: booking.do_move_appointment(user, pk, **form.action_fields()),
        success="Appointment moved.",
        redirect_to=reverse("scheduling:appointment_detail", args=[pk]),
    ) or _render_appointment(request, pk, move_form=form, audit=False)


@permission_required(Permission.SCHEDULE_BOOK)
@require_POST
def appointment_cancel(request, pk: int):
    form = CancelForm(request.POST)
    access_appointment_by_id(request.user, pk, audit=False)
    return run_form_action(
        request,
        form,
        lambda: booking.do_cancel_appointment(request.user, pk, reason=form.cleaned_data["reason"]),
        success=lambda appointment: f"Appointment {appointment.get_status_display().lower()}.",
        redirect_to=reverse("scheduling:appointment_detail", args=[pk]),
    ) or _render_appointment(request, pk, cancel_form=form, audit=False)


@permission_required(Permission.SCHEDULE_BOOK)
@require_POST
def appointment_check_in(request, pk: int):
    return run_action(
        request,
        lambda: booking.do_check_in_appointment(request.user, pk),
        success="Checked in.",
        redirect_to=reverse("scheduling:appointment_detail", args=[pk]),
    )


@permission_required(Permission.SCHEDULE_BOOK)
@require_POST
def appointment_nurse(request, pk: int):
    """Choose the appointment's monitoring nurse (refused unless on shift there then and free)."""
    access_appointment_by_id(request.user, pk, audit=False)
    form = MonitoringNurseForm(request.POST, staff=_nurses(request.user))
    return run_form_action(
        request,
        form,
        lambda: booking.do_set_monitoring_nurse(
            request.user, pk, nurse_id=form.cleaned_data["nurse"].pk if form.cleaned_data["nurse"] else None
        ),
        success="Monitoring nurse saved.",
        redirect_to=reverse("scheduling:appointment_detail", args=[pk]),
    ) or _render_appointment(request, pk, nurse_form=form, audit=False)
