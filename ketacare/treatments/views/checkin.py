"""The nurse's day list, "start session" (check-in), and the steps before dosing: checklist,
pre-session checks (the hold), override, cancel."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.lib.forms import error_text
from ketacare.lib.urls import url_with_id
from ketacare.lib.zones import show_times_in
from ketacare.scheduling.selectors.resources import home_location_of
from ketacare.treatments import actions
from ketacare.treatments.forms import ChecklistForm, ReasonForm
from ketacare.treatments.models import SessionStatus
from ketacare.treatments.selectors import (
    DayRow,
    access_location_by_id,
    access_session_by_id,
    day_list,
    locations_of,
    required_checks_of,
    settings_of,
)
from ketacare.treatments.views.common import form_step, run_step

_SESSION_STATUS_LABELS = dict(SessionStatus.choices)


def _day_row(row: DayRow) -> dict:
    """What the day list shows of one appointment, as plain values: the template resolves each {{ }} of each
    row, through four objects per value on the models (issue 19)."""
    appointment, session = row.appointment, row.session
    patient = appointment.patient
    return {
        "starts_at": appointment.starts_at,
        "patient": f"{patient.last_name}, {patient.first_name}",
        "record_number": patient.record_number,
        "treatment": appointment.appointment_type.name,
        "chair": appointment.chair.name if appointment.chair_id else "",
        "start_url": url_with_id("treatments:start", appointment.pk),
        "session_url": url_with_id("treatments:session", session.pk) if session else "",
        "session_status": _SESSION_STATUS_LABELS.get(session.status, session.status) if session else "",
    }


@permission_required(Permission.SESSION_VIEW)
@require_GET
def day(request):
    """Today's treatment appointments at one of the clinic's locations, with "start session"."""
    user = request.user
    locations = locations_of(user)
    if not locations:
        raise Http404("This clinic has no locations")
    # The user's own location first (their home location, else where their shifts are), not the first by name.
    home = home_location_of(user)
    location = next((each for each in locations if home is not None and each.pk == home.pk), locations[0])
    location_id = request.GET.get("location", "")
    if location_id.isdecimal() and len(location_id) < 19:  # not isdigit(): "²" is a digit int() refuses
        location = access_location_by_id(user, int(location_id))
    show_times_in(location.zone)
    today = timezone.localdate()
    try:
        on = dt.date.fromisoformat(request.GET["date"]) if request.GET.get("date") else today
    except ValueError:
        on = today
        messages.error(request, "Date: give it as YYYY-MM-DD; showing today.")
    return render(
        request,
        "treatments/day.html",
        {
            "location": location,
            "locations": locations,
            "on": on,
            "rows": [_day_row(row) for row in day_list(user, location, on)],
            "may_chart": user_may(user, Permission.SESSION_CHART),
        },
    )


@permission_required(Permission.SESSION_CHART)
@require_POST
def start(request, appointment_id: int):
    try:
        session = actions.do_start_session(request.user, appointment_id)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("treatments:day")
    return redirect("treatments:session", pk=session.pk)


def _step_checklist(request, pk):
    session = access_session_by_id(request.user, pk, audit=False)
    form = ChecklistForm(request.POST, items=required_checks_of(session, settings_of(session)))

    def record():
        data = form.cleaned_data
        actions.do_record_checklist(
            request.user,
            pk,
            answers=form.answers(),
            notes={"pregnancy_test": data.get("pregnancy_test_note", "")},
            weight_kg=data.get("weight_kg"),
            interacting_medicines=data.get("interacting_medicines"),
        )

    return run_step(form, "checklist", record, "Checklist saved.")


def _step_prechecks(request, pk):
    session = actions.do_complete_prechecks(request.user, pk)
    if session.status == SessionStatus.HELD:
        return None, f"HELD: {session.hold_reason} A prescriber must override with a reason."
    return None, "Pre-session checks done: prepare the dose."


STEPS = {
    "checklist": _step_checklist,
    "prechecks": _step_prechecks,
    "override": form_step(
        ReasonForm,
        "override",
        lambda r, pk, d: actions.do_override_hold(r.user, pk, reason=d["reason"]),
        "Hold overridden: the session may go ahead.",
    ),
    "cancel": form_step(
        ReasonForm,
        "cancel",
        lambda r, pk, d: actions.do_cancel_session(r.user, pk, reason=d["reason"]),
        "Session recorded as not given.",
    ),
}
