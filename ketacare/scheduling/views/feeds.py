"""Pages of calendar feeds (the .ics itself, managing one's feed as staff or in the portal) and the
patient's own schedule in the portal."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_safe

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.scheduling.actions import feeds as feed_actions
from ketacare.scheduling.selectors.feeds import access_own_upcoming_appointments, feed_path, own_calendar_feeds


@require_safe
def feed_ics(request, token: str):
    """The iCalendar feed itself: no sign-in, the unguessable token is the credential."""
    response = HttpResponse(feed_actions.do_serve_calendar_feed(token), content_type="text/calendar; charset=utf-8")
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
            feed_actions.do_revoke_calendar_feed(request.user, feed_id)
            messages.success(request, "Calendar feed revoked: its address no longer works.")
            return redirect(request.path)
        _, token = feed_actions.do_create_calendar_feed(request.user)
        new_url = request.build_absolute_uri(feed_path(token))
    return render(request, template, {"feeds": own_calendar_feeds(request.user), "new_url": new_url})


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
    appointments = access_own_upcoming_appointments(request.user)
    return render(
        request,
        "scheduling/portal_schedule.html",
        {"appointments": appointments, "has_record": appointments is not None},
    )
