"""Pages of scheduling resources (clinic admin): locations' hours, closed dates and chairs; staff skills,
shifts and leave; appointment types; the clinic's scheduling settings."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.lib.views import run_form_action
from ketacare.lib.zones import show_times_in
from ketacare.scheduling.actions import resources as resource_actions
from ketacare.scheduling.forms import (
    AppointmentTypeForm,
    ChairForm,
    ClosedDateForm,
    ExceptionForm,
    OpeningHoursForm,
    SettingsForm,
    ShiftForm,
    SkillsForm,
)
from ketacare.scheduling.models import Weekday
from ketacare.scheduling.selectors.resources import (
    access_appointment_type_by_id,
    access_chair_by_id,
    access_location_by_id,
    home_location_of,
    location_resources,
    scheduling_settings,
    staff_resources,
    visible_appointment_types,
    visible_locations,
    visible_staff,
    zone_of_staff,
)

MANAGE = Permission.SCHEDULE_RESOURCES_MANAGE


@permission_required(MANAGE)
@require_GET
def resources(request):
    user = request.user
    return render(
        request,
        "scheduling/resources.html",
        {
            "locations": list(visible_locations(user)),
            "staff": list(visible_staff(user).order_by("last_name", "first_name")),
            "settings": scheduling_settings(user.organisation_id),
        },
    )


def _render_location(request, pk: int, **forms):
    data = location_resources(request.user, pk)
    show_times_in(data.location.zone)
    hours = [(value, label, data.opening.get(value)) for value, label in Weekday.choices]
    return render(
        request,
        "scheduling/location_resources.html",
        {
            "data": data,
            "location": data.location,
            "hours": hours,
            "hours_form": forms.get("hours_form") or OpeningHoursForm(),
            "closed_form": forms.get("closed_form") or ClosedDateForm(),
            "chair_form": forms.get("chair_form") or ChairForm(initial={"is_active": True, "supports_iv": True}),
        },
    )


@permission_required(MANAGE)
@require_GET
def location_resources_view(request, pk: int):
    """A location's opening hours, closed dates and chairs."""
    return _render_location(request, pk)


def _post_location_form(request, pk: int, form_class, form_key: str, action, success):
    """Run one location form's action, `action(user, location_id, **cleaned_data)` (another clinic's
    location is a 404 first); on failure show the page with the form's errors."""
    access_location_by_id(request.user, pk, permission=MANAGE)
    form = form_class(request.POST)
    return run_form_action(
        request,
        form,
        lambda: action(request.user, pk, **form.cleaned_data),
        success=success,
        redirect_to=reverse("scheduling:location_resources", args=[pk]),
    ) or _render_location(request, pk, **{form_key: form})


@permission_required(MANAGE)
@require_POST
def opening_hours_set(request, pk: int):
    return _post_location_form(
        request, pk, OpeningHoursForm, "hours_form", resource_actions.do_set_opening_hours, "Opening hours saved."
    )


@permission_required(MANAGE)
@require_POST
def closed_date_add(request, pk: int):
    return _post_location_form(
        request, pk, ClosedDateForm, "closed_form", resource_actions.do_add_closed_date, _closed_date_added
    )


def _closed_date_added(added) -> str:
    if not added.affected:
        return "Closed date added."
    return (
        f"Closed date added. {len(added.affected)} appointment(s) are still booked that day: "
        "move or cancel them (listed under the date)."
    )


@permission_required(MANAGE)
@require_POST
def closed_date_remove(request, pk: int):
    closed = resource_actions.do_remove_closed_date(request.user, pk)
    return redirect("scheduling:location_resources", pk=closed.location_id)


@permission_required(MANAGE)
@require_POST
def chair_add(request, pk: int):
    def add_chair(user, location_id, **data):
        return resource_actions.do_save_chair(user, location_id=location_id, **data)

    return _post_location_form(request, pk, ChairForm, "chair_form", add_chair, "Chair added.")


@permission_required(MANAGE)
def chair_edit(request, pk: int):
    chair = access_chair_by_id(request.user, pk, permission=MANAGE)
    form = ChairForm(
        request.POST or None,
        initial={
            "name": chair.name,
            "supports_iv": chair.supports_iv,
            "supports_esketamine": chair.supports_esketamine,
            "is_active": chair.is_active,
        },
    )
    return run_form_action(
        request,
        form,
        lambda: resource_actions.do_save_chair(request.user, chair_id=pk, **form.cleaned_data),
        success="Chair saved.",
        redirect_to=reverse("scheduling:location_resources", args=[chair.location_id]),
    ) or render(request, "scheduling/chair_edit.html", {"chair": chair, "form": form})


def _render_staff(request, pk: int, **forms):
    user = request.user
    data = staff_resources(user, pk)
    locations = visible_locations(user)
    home = home_location_of(data.person)
    # Their own page: leave in their home location's zone; extra hours in the zone of where they are worked.
    show_times_in(zone_of_staff(data.person))
    return render(
        request,
        "scheduling/staff_resources.html",
        {
            "data": data,
            "person": data.person,
            "skills_form": forms.get("skills_form") or SkillsForm(initial={"skills": data.skills}),
            "shift_form": forms.get("shift_form") or ShiftForm(locations=locations),
            "exception_form": forms.get("exception_form")
            or ExceptionForm(locations=locations, initial={"location": home.pk if home else None}),
        },
    )


@permission_required(MANAGE)
@require_GET
def staff_resources_view(request, pk: int):
    """A staff member's skills, weekly shifts and exceptions (leave, extra hours)."""
    return _render_staff(request, pk)


def _post_staff_form(request, pk: int, form, form_key: str, action, success: str):
    """Run one staff form's action, `action(form)` (another clinic's staff member is a 404 first);
    on failure show the page with the form's errors."""
    staff_resources(request.user, pk)
    return run_form_action(
        request,
        form,
        lambda: action(form),
        success=success,
        redirect_to=reverse("scheduling:staff_resources", args=[pk]),
    ) or _render_staff(request, pk, **{form_key: form})


@permission_required(MANAGE)
@require_POST
def staff_skills(request, pk: int):
    return _post_staff_form(
        request,
        pk,
        SkillsForm(request.POST),
        "skills_form",
        lambda f: resource_actions.do_set_staff_skills(request.user, pk, f.cleaned_data["skills"]),
        "Skills saved.",
    )


@permission_required(MANAGE)
@require_POST
def shift_add(request, pk: int):
    user = request.user
    form = ShiftForm(request.POST, locations=visible_locations(user))

    def add(f):
        data = dict(f.cleaned_data)
        resource_actions.do_add_staff_shift(user, pk, location_id=data.pop("location").pk, **data)

    return _post_staff_form(request, pk, form, "shift_form", add, "Shift added.")


@permission_required(MANAGE)
@require_POST
def exception_add(request, pk: int):
    user = request.user
    form = ExceptionForm(request.POST, locations=visible_locations(user))
    return _post_staff_form(
        request,
        pk,
        form,
        "exception_form",
        lambda f: resource_actions.do_add_staff_exception(user, pk, **f.action_fields()),
        "Saved.",
    )


@permission_required(MANAGE)
@require_POST
def shift_remove(request, pk: int):
    shift = resource_actions.do_remove_staff_shift(request.user, pk)
    return redirect("scheduling:staff_resources", pk=shift.user_id)


@permission_required(MANAGE)
@require_POST
def exception_remove(request, pk: int):
    exception = resource_actions.do_remove_staff_exception(request.user, pk)
    return redirect("scheduling:staff_resources", pk=exception.user_id)


@permission_required(MANAGE)
def type_list(request):
    """Appointment types; a clinic admin adds one here or adds the defaults."""
    user = request.user
    form = AppointmentTypeForm(request.POST or None)
    return run_form_action(
        request,
        form,
        lambda: resource_actions.do_save_appointment_type(user, **form.cleaned_data),
        success="Appointment type added.",
        redirect_to="scheduling:type_list",
    ) or render(
        request,
        "scheduling/type_list.html",
        {
            "types": list(visible_appointment_types(user, active_only=False).order_by("name")),
            "form": form,
        },
    )


@permission_required(MANAGE)
@require_POST
def type_defaults(request):
    created = resource_actions.do_add_default_appointment_types(request.user)
    messages.success(request, f"{len(created)} default appointment type(s) added.")
    return redirect("scheduling:type_list")


@permission_required(MANAGE)
def type_edit(request, pk: int):
    appointment_type = access_appointment_type_by_id(request.user, pk, permission=MANAGE)
    form = AppointmentTypeForm(request.POST or None, instance=appointment_type)
    return run_form_action(
        request,
        form,
        lambda: resource_actions.do_save_appointment_type(request.user, type_id=pk, **form.cleaned_data),
        success="Appointment type saved.",
        redirect_to="scheduling:type_list",
    ) or render(request, "scheduling/type_edit.html", {"appointment_type": appointment_type, "form": form})


@permission_required(MANAGE)
def settings_view(request):
    """Monitoring ratio, prescriber policy for IV, reminder and cancellation windows, slot size."""
    user = request.user
    current = scheduling_settings(user.organisation_id)
    form = SettingsForm(request.POST or None, instance=current)
    return run_form_action(
        request,
        form,
        lambda: resource_actions.do_update_scheduling_settings(user, **form.cleaned_data),
        success="Scheduling settings saved.",
        redirect_to="scheduling:settings",
    ) or render(request, "scheduling/settings.html", {"form": form})
