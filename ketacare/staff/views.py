"""The clinic admin's staff pages: the list, the invitation form, one staff member's page and its buttons.

Thin: each page calls one selector or action (staff's own where a write also touches scheduling,
accounts' otherwise); every button is a POST; errors come back on the field or as a message.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.accounts import actions as account_actions
from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.lib.forms import error_text
from ketacare.lib.views import run_action, run_form_action
from ketacare.staff import actions
from ketacare.staff.forms import ChangeForm, InviteForm, ReasonForm, StaffFilterForm
from ketacare.staff.selectors import staff_list, staff_member_by_id, staff_rows

MANAGE = Permission.STAFF_MANAGE


def _detail_url(user_id: int) -> str:
    return reverse("staff:detail", args=[user_id])


@permission_required(MANAGE)
@require_GET
def staff_list_view(request):
    """Everyone on staff, with each one's sign-in facts, filtered by role, location and status."""
    organisation = request.user.organisation
    filters = StaffFilterForm(request.GET or None, organisation=organisation)
    rows = []
    if filters.is_bound and not filters.is_valid():
        status = 422
    else:
        status = 200
        chosen = filters.cleaned_data if filters.is_bound else {}
        location = chosen.get("location")
        try:
            members = staff_list(
                request.user,
                role=chosen.get("role", ""),
                location_id=location.pk if location else None,
                status=chosen.get("status", ""),
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            status = 422
        else:
            rows = staff_rows(members)
    return render(request, "staff/list.html", {"filters": filters, "rows": rows}, status=status)


@permission_required(MANAGE)
@require_http_methods(["GET", "POST"])
def invite(request):
    """Invite a staff member: the account waits, inactive, until they accept the emailed link."""
    form = InviteForm(request.POST if request.method == "POST" else None, organisation=request.user.organisation)
    return run_form_action(
        request,
        form,
        lambda: actions.do_invite_staff_member(request.user, **form.action_fields()),
        success=lambda person: f"Invitation sent to {person.email}. The link works once, for a limited time.",
        redirect_to=lambda person: _detail_url(person.pk),
    ) or render(request, "staff/invite.html", {"form": form}, status=422 if form.errors else 200)


def _render_detail(request, pk: int, *, status: int = 200, **forms):
    person = staff_member_by_id(request.user, pk)
    row = staff_rows([person])[0]
    organisation = request.user.organisation
    change_form = forms.get("change_form") or ChangeForm(
        organisation=organisation,
        initial={
            "role": person.role,
            "title": person.title,
            "locations": list(person.work_locations.all()),
            "home_location": person.home_location,
            "skills": row.skills,
        },
    )
    return render(
        request,
        "staff/detail.html",
        {
            "person": person,
            "row": row,
            "change_form": change_form,
            "deactivate_form": forms.get("deactivate_form") or ReasonForm(prefix="deactivate"),
            "two_factor_form": forms.get("two_factor_form") or ReasonForm(prefix="two_factor"),
        },
        status=status,
    )


@permission_required(MANAGE)
@require_GET
def detail(request, pk: int):
    """One staff member: their facts, the change form and the buttons."""
    return _render_detail(request, pk)


def _post_form(request, pk: int, form, form_key: str, action, success: str):
    """Run a form of the staff member's page; refused, the page again with the form's errors (422)."""
    staff_member_by_id(request.user, pk)  # another clinic's staff member: 404 before anything else
    return run_form_action(
        request, form, lambda: action(form), success=success, redirect_to=_detail_url(pk)
    ) or _render_detail(request, pk, status=422, **{form_key: form})


@permission_required(MANAGE)
@require_POST
def change(request, pk: int):
    return _post_form(
        request,
        pk,
        ChangeForm(request.POST, organisation=request.user.organisation),
        "change_form",
        lambda form: actions.do_change_staff_member(request.user, pk, **form.action_fields()),
        "Changes saved.",
    )


@permission_required(MANAGE)
@require_POST
def deactivate(request, pk: int):
    return _post_form(
        request,
        pk,
        ReasonForm(request.POST, prefix="deactivate"),
        "deactivate_form",
        lambda form: actions.do_deactivate_staff_member(request.user, pk, reason=form.cleaned_data["reason"]),
        "Deactivated: their sessions, API tokens and calendar feeds ended now. Their name stays on past records.",
    )


@permission_required(MANAGE)
@require_POST
def reset_two_factor(request, pk: int):
    return _post_form(
        request,
        pk,
        ReasonForm(request.POST, prefix="two_factor"),
        "two_factor_form",
        lambda form: account_actions.do_reset_two_factor(request.user, pk, reason=form.cleaned_data["reason"]),
        "Two-factor device removed: they set up a new one at their next sign-in.",
    )


def _button(request, pk: int, action, success: str):
    staff_member_by_id(request.user, pk)
    return run_action(request, lambda: action(request.user, pk), success=success, redirect_to=_detail_url(pk))


@permission_required(MANAGE)
@require_POST
def reactivate(request, pk: int):
    return _button(request, pk, account_actions.do_reactivate_user, "Reactivated: they can sign in again.")


@permission_required(MANAGE)
@require_POST
def unlock(request, pk: int):
    return _button(request, pk, account_actions.do_unlock_user, "Unlocked: they can try signing in again.")


@permission_required(MANAGE)
@require_POST
def resend_invitation(request, pk: int):
    return _button(
        request,
        pk,
        account_actions.do_resend_invitation,
        "A new invitation is on its way; the earlier link no longer works.",
    )
