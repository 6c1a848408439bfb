"""Theft and loss pages: every report with its deadlines, a new report (optionally booking a vial's
loss), one report where the notice sent and the DEA Form 106 filed are recorded."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, require_permission, user_may
from ketacare.ledger import forms
from ketacare.ledger.actions import theft_loss as theft_loss_actions
from ketacare.ledger.selectors.stock import access_location, ledger_locations, vials
from ketacare.ledger.selectors.theft_loss import access_theft_loss_detail, theft_loss_dashboard
from ketacare.lib.views import run_form_action


@permission_required(Permission.LEDGER_VIEW)
@require_GET
def theft_loss_list(request):
    return render(
        request,
        "ledger/theft_loss.html",
        {"rows": theft_loss_dashboard(request.user), "locations": ledger_locations(request.user)},
    )


@permission_required(Permission.LEDGER_RECORD)
def theft_loss_new(request, pk: int):
    user = request.user
    location = access_location(user, pk)
    form = forms.TheftLossForm(request.POST or None, vials=vials(user, location_id=location.pk))

    def report_loss():
        d = form.cleaned_data
        losses = [(d["vial_id"], d["quantity_mg"])] if d["vial_id"] else []
        if d["vial_id"] and d["quantity_mg"] is None:
            raise ValidationError({"quantity_mg": "Give the quantity lost from the vial."})
        return theft_loss_actions.do_report_theft_loss(
            user,
            location_id=location.pk,
            kind=d["kind"],
            discovered_on=d["discovered_on"],
            description=d["description"],
            losses=losses,
        )

    return run_form_action(
        request,
        form,
        report_loss,
        success=lambda report: (
            f"Reported. Written notice due {report.written_notice_due}, DEA Form 106 due {report.form_106_due}."
        ),
        redirect_to=lambda report: reverse("ledger:theft_loss_detail", args=[report.pk]),
    ) or render(
        request,
        "ledger/form.html",
        {"form": form, "title": f"Theft or loss at {location.name}", "back": ("ledger:location", location.pk)},
    )


@permission_required(Permission.LEDGER_VIEW)
def theft_loss_detail(request, pk: int):
    user = request.user
    report, entries = access_theft_loss_detail(user, pk)
    may_update = user_may(user, Permission.LEDGER_REPORT)
    form = forms.ReportUpdateForm(request.POST or None) if may_update else None
    if request.method == "POST":
        require_permission(user, Permission.LEDGER_REPORT)
        done = run_form_action(
            request,
            form,
            lambda: theft_loss_actions.do_update_theft_loss_report(user, pk, **form.cleaned_data),
            success="Saved.",
            redirect_to=reverse("ledger:theft_loss_detail", args=[pk]),
        )
        if done:
            return done
    return render(request, "ledger/theft_loss_detail.html", {"report": report, "form": form, "entries": entries})
