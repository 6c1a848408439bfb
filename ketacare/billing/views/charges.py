"""The charges pages under /billing/charges/: the worklist (drafts to review, finalised in bulk), one charge
(edit while a draft, finalise, void with a reason) and a manual charge. BILLING_VIEW reads; CHARGES_EDIT writes.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.billing.actions import charges as actions
from ketacare.billing.forms.charges import ChargeEditForm, ChargeFilterForm, ManualChargeForm, VoidChargeForm
from ketacare.billing.models import ChargeStatus
from ketacare.billing.selectors.charges import (
    ChargeFilters,
    access_charge_by_id,
    charge_worklist,
    patient_id_by_record_number,
)
from ketacare.billing.selectors.fees import fee_items_for, rendering_providers_for
from ketacare.lib.views import run_action, run_form_action

VIEW = Permission.BILLING_VIEW
EDIT = Permission.CHARGES_EDIT


def _charge_url(charge_id: int) -> str:
    return reverse("billing:charge", args=[charge_id])


@permission_required(VIEW)
@require_http_methods(["GET"])
def worklist_page(request):
    """Charges to review: drafts by default, oldest first, with boxes to finalise several at once."""
    filters = ChargeFilterForm(request.GET or None, organisation=request.user.organisation)
    charges, status = [], 200
    if filters.is_bound and not filters.is_valid():
        status = 422
    else:
        chosen = filters.cleaned_data if filters.is_bound else {"status": ChargeStatus.DRAFT}
        location = chosen.get("location")
        charges = charge_worklist(
            request.user,
            ChargeFilters(
                status=chosen.get("status", ""),
                location_id=int(location) if location else None,
                date_from=chosen.get("date_from"),
                date_to=chosen.get("date_to"),
            ),
        )
    return render(
        request,
        "billing/charges/worklist.html",
        {"filters": filters, "charges": charges, "may_edit": user_may(request.user, EDIT)},
        status=status,
    )


@permission_required(EDIT)
@require_POST
def finalise_selected(request):
    """Finalise the ticked drafts (all or none)."""
    ids = [int(value) for value in request.POST.getlist("charge_ids") if value.isdigit()]
    return run_action(
        request,
        lambda: actions.do_finalise_charges(request.user, ids),
        success=lambda done: f"{len(done)} charge{'s' if len(done) != 1 else ''} finalised and posted.",
        redirect_to=reverse("billing:charges"),
        failure="Nothing was finalised.",
    )


def _render_charge(request, charge, *, edit_form=None, void_form=None, status=200):
    providers = rendering_providers_for(request.user)
    initial = {
        "code": charge.code,
        "modifiers": charge.modifiers,
        "description": charge.description,
        "units": f"{charge.units.normalize():f}",
        "unit_price": f"{charge.unit_price:.2f}",
        "diagnosis_codes": ", ".join(charge.diagnosis_codes),
        "place_of_service": charge.place_of_service,
        "service_date": charge.service_date,
        "rendering_provider_id": str(charge.rendering_provider_id or ""),
    }
    return render(
        request,
        "billing/charges/charge.html",
        {
            "charge": charge,
            "edit_form": edit_form or ChargeEditForm(providers=providers, initial=initial),
            "void_form": void_form or VoidChargeForm(),
            "may_edit": user_may(request.user, EDIT),
            "entries": list(charge.entries.order_by("posted_at", "pk")),
        },
        status=status,
    )


@permission_required(VIEW)
@require_http_methods(["GET", "POST"])
def charge_page(request, charge_id: int):
    """One charge; posting the form corrects a draft (CHARGES_EDIT)."""
    charge = access_charge_by_id(request.user, charge_id)
    if request.method == "GET":
        return _render_charge(request, charge)
    if not user_may(request.user, EDIT):
        return _render_charge(request, charge, status=403)
    form = ChargeEditForm(request.POST, providers=rendering_providers_for(request.user))
    return run_form_action(
        request,
        form,
        lambda: actions.do_update_charge(request.user, charge.pk, **form.cleaned_data),
        success="Charge saved.",
        redirect_to=_charge_url(charge.pk),
    ) or _render_charge(request, access_charge_by_id(request.user, charge_id), edit_form=form, status=422)


@permission_required(EDIT)
@require_POST
def charge_finalise(request, charge_id: int):
    access_charge_by_id(request.user, charge_id)  # another organisation's: 404 before anything else
    return run_action(
        request,
        lambda: actions.do_finalise_charge(request.user, charge_id),
        success="Charge finalised and posted to the patient's account.",
        redirect_to=_charge_url(charge_id),
        failure="Not finalised.",
    )


@permission_required(EDIT)
@require_POST
def charge_void(request, charge_id: int):
    charge = access_charge_by_id(request.user, charge_id)
    form = VoidChargeForm(request.POST)
    return run_form_action(
        request,
        form,
        lambda: actions.do_void_charge(request.user, charge.pk, form.cleaned_data["reason"]),
        success="Charge voided.",
        redirect_to=_charge_url(charge.pk),
    ) or _render_charge(request, charge, void_form=form, status=422)


def _add_manual(request, form):
    patient_id = patient_id_by_record_number(request.user, form.cleaned_data["record_number"])
    if patient_id is None:
        raise ValidationError({"record_number": "No patient of this clinic has this record number."})
    data = {name: value for name, value in form.cleaned_data.items() if name != "record_number"}
    return actions.do_add_manual_charge(request.user, patient_id, **data)


@permission_required(EDIT)
@require_http_methods(["GET", "POST"])
def manual_charge_page(request):
    """A charge no signed record made: a draft from a fee schedule item."""
    form = ManualChargeForm(
        request.POST if request.method == "POST" else None,
        organisation=request.user.organisation,
        fee_items=fee_items_for(request.user),
    )
    return run_form_action(
        request,
        form,
        lambda: _add_manual(request, form),
        success="Draft charge added.",
        redirect_to=lambda charge: _charge_url(charge.pk),
    ) or render(request, "billing/charges/manual.html", {"form": form}, status=422 if form.errors else 200)


urlpatterns = [
    path("charges/", worklist_page, name="charges"),
    path("charges/finalise/", finalise_selected, name="charges_finalise"),
    path("charges/new/", manual_charge_page, name="charge_new"),
    path("charges/<int:charge_id>/", charge_page, name="charge"),
    path("charges/<int:charge_id>/finalise/", charge_finalise, name="charge_finalise"),
    path("charges/<int:charge_id>/void/", charge_void, name="charge_void"),
]
