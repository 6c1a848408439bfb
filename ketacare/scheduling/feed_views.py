"""Pages for calendar feeds (staff and portal), the patient's own schedule, and attendance."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST, require_safe

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.lib.forms import error_text
from ketacare.scheduling import attendance, feeds
from ketacare.scheduling.selectors import access_appointment_by_id


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False, max_length=attendance.REASON_MAX_CHARS,
                             widget=forms.TextInput(attrs={"placeholder": "Reason (optional)"}))


@require_safe
def feed_ics(request, token: str):
    """The iCalendar feed itself: no sign-in, the unguessable token is the credential."""
    response = HttpResponse(feeds.calendar_for_token(token), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ketacare.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


def _feed_page(request, template: str):
    """List the user's feeds; POST creates a new URL (shown once) or revokes one."""
    new_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            try:
                feed_id = int(request.POST.get("feed_id", ""))
            except ValueError:
                messages.error(request, "Feed: choose a feed to revoke.")
                return redirect(request.path)
            feeds.do_revoke_calendar_feed(request.user, feed_id)
            messages.success(request, "Calendar feed revoked: its address no longer works.")
            return redirect(request.path)
        _, token = feeds.do_create_calendar_feed(request.user)
        new_url = request.build_absolute_uri(feeds.feed_path(token))
    return render(request, template, {"feeds": feeds.own_calendar_feeds(request.user), "new_url": new_url})


@permission_required(Permission.SCHEDULE_VIEW)
def staff_calendar_feed(request):
    return _feed_page(request, "scheduling/feed_staff.html")


@permission_required(Permission.OWN_RECORD_VIEW)
def portal_calendar_feed(request):
    return _feed_page(request, "scheduling/portal_calendar_feed.html")


@require_GET
@permission_required(Permission.OWN_RECORD_VIEW)
def portal_schedule(request):
    """The patient's upcoming appointments with how to prepare, times in each location's zone."""
    appointments = feeds.access_own_upcoming_appointments(request.user)
    return render(request, "scheduling/portal_schedule.html",
                  {"appointments": appointments, "has_record": appointments is not None})


@require_GET
@permission_required(Permission.SCHEDULE_VIEW)
def patient_attendance(request, patient_id: int):
    summary = attendance.access_attendance_by_patient_id(request.user, patient_id)
    return render(request, "scheduling/feed_attendance.html", {"summary": summary, "form": ReasonForm()})


@require_POST
@permission_required(Permission.SCHEDULE_BOOK)
def mark_no_show(request, appointment_id: int):
    """Record a no-show, then back to the patient's attendance (404 for another organisation's)."""
    appointment = access_appointment_by_id(request.user, appointment_id, audit=False)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items()))
    else:
        try:
            attendance.do_mark_no_show(request.user, appointment_id, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "Recorded as a no-show.")
    return redirect("scheduling:patient_attendance", patient_id=appointment.patient_id)
