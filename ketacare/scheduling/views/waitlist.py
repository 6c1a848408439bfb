"""Pages of the waitlist: who waits for a course, adding and withdrawing, starting the courses that fit."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.lib.forms import error_text
from ketacare.lib.views import run_action, run_form_action
from ketacare.scheduling.actions import waitlist as waitlist_actions
from ketacare.scheduling.forms import ScheduleForm, WaitlistForm
from ketacare.scheduling.selectors.waitlist import list_waitlist


def _render_waitlist(request, *, form=None, run=None, status=200):
    user = request.user
    return render(
        request,
        "scheduling/waitlist_list.html",
        {
            "entries": list_waitlist(user, status=None),
            "form": form or WaitlistForm(user, initial={"earliest_date": timezone.localdate() + dt.timedelta(days=1)}),
            "schedule_form": ScheduleForm(),
            "run": run,
        },
        status=status,
    )


@permission_required(Permission.SCHEDULE_WAITLIST)
@require_GET
def waitlist(request):
    return _render_waitlist(request)


@permission_required(Permission.SCHEDULE_WAITLIST)
@require_POST
def waitlist_add(request):
    form = WaitlistForm(request.user, request.POST)
    return run_form_action(
        request,
        form,
        lambda: waitlist_actions.do_add_to_waitlist(request.user, **form.action_fields()),
        success="Added to the waitlist.",
        redirect_to="scheduling:waitlist",
    ) or _render_waitlist(request, form=form, status=422)


@permission_required(Permission.SCHEDULE_WAITLIST)
@require_POST
def waitlist_withdraw(request, pk: int):
    reason = request.POST.get("reason", "")
    return run_action(
        request,
        lambda: waitlist_actions.do_withdraw_from_waitlist(request.user, pk, reason=reason),
        success="Withdrawn from the waitlist.",
        redirect_to="scheduling:waitlist",
    )


@permission_required(Permission.SCHEDULE_WAITLIST)
@require_POST
def waitlist_schedule(request):
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, error_text(ValidationError(form.errors)))
        return redirect("scheduling:waitlist")
    try:
        run = waitlist_actions.do_schedule_waitlist(request.user, weeks=form.cleaned_data["weeks"])
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("scheduling:waitlist")
    messages.success(request, f"Booked {len(run.booked)} course(s); {len(run.not_booked)} still waiting.")
    return _render_waitlist(request, run=run)
