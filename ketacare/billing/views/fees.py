"""The fee schedule pages under /billing/fees/: items (per location where prices differ), charge rules, the
billing identity and the providers' NPIs. Anyone with BILLING_VIEW reads them; BILLING_SETUP changes them.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.billing.actions import fees as actions
from ketacare.billing.forms.fees import BillingSettingsForm, ChargeRuleForm, FeeItemForm, ProviderIdentityForm
from ketacare.billing.selectors.fees import (
    access_billing_settings,
    access_fee_item_by_id,
    access_rendering_provider_by_id,
    charge_rules_for,
    fee_items_for,
    provider_identity_of,
    rendering_providers_for,
)
from ketacare.lib.views import run_action, run_form_action

VIEW = Permission.BILLING_VIEW
SETUP = Permission.BILLING_SETUP


def _require_setup_to_post(request) -> None:
    if request.method == "POST" and not user_may(request.user, SETUP):
        raise PermissionDenied("Your role may not change the fee schedule.")


@permission_required(VIEW)
@require_http_methods(["GET", "POST"])
def fee_schedule_page(request):
    """The fee schedule and the form to add an item."""
    _require_setup_to_post(request)
    organisation = request.user.organisation
    form = FeeItemForm(request.POST if request.method == "POST" else None, organisation=organisation)
    return run_form_action(
        request,
        form,
        lambda: actions.do_create_fee_item(request.user, **form.cleaned_data),
        success=lambda item: f"{item.code} added to the fee schedule.",
        redirect_to=reverse("billing:fee_schedule"),
    ) or render(
        request,
        "billing/fees/schedule.html",
        {
            "items": fee_items_for(request.user, include_inactive=True),
            "form": form,
            "may_setup": user_may(request.user, SETUP),
        },
        status=422 if form.errors else 200,
    )


@permission_required(SETUP)
@require_http_methods(["GET", "POST"])
def fee_item_page(request, item_id: int):
    """Change one item; charges already made keep their price."""
    item = access_fee_item_by_id(request.user, item_id)
    initial = {
        "code_system": item.code_system,
        "code": item.code,
        "modifiers": item.modifiers,
        "description": item.description,
        "self_pay_price": f"{item.self_pay_price:.2f}",
        "units_rule": item.units_rule,
        "location_id": str(item.location_id or ""),
    }
    form = FeeItemForm(
        request.POST if request.method == "POST" else None, organisation=request.user.organisation, initial=initial
    )
    return run_form_action(
        request,
        form,
        lambda: actions.do_update_fee_item(request.user, item.pk, **form.cleaned_data),
        success=lambda changed: f"{changed.code} saved.",
        redirect_to=reverse("billing:fee_schedule"),
    ) or render(request, "billing/fees/item.html", {"item": item, "form": form}, status=422 if form.errors else 200)


@permission_required(SETUP)
@require_POST
def fee_item_retire(request, item_id: int):
    return run_action(
        request,
        lambda: actions.do_retire_fee_item(request.user, item_id),
        success=lambda item: f"{item.code} retired; its charge rules stop applying.",
        redirect_to=reverse("billing:fee_schedule"),
    )


@permission_required(VIEW)
@require_http_methods(["GET", "POST"])
def charge_rules_page(request):
    """Which signed records create which charges, for which patients; and the form to add a rule."""
    _require_setup_to_post(request)
    form = ChargeRuleForm(request.POST if request.method == "POST" else None, fee_items=fee_items_for(request.user))
    return run_form_action(
        request,
        form,
        lambda: actions.do_create_charge_rule(request.user, **form.cleaned_data),
        success="Charge rule added.",
        redirect_to=reverse("billing:charge_rules"),
    ) or render(
        request,
        "billing/fees/rules.html",
        {"rules": charge_rules_for(request.user), "form": form, "may_setup": user_may(request.user, SETUP)},
        status=422 if form.errors else 200,
    )


@permission_required(SETUP)
@require_POST
def charge_rule_retire(request, rule_id: int):
    return run_action(
        request,
        lambda: actions.do_retire_charge_rule(request.user, rule_id),
        success="Charge rule retired.",
        redirect_to=reverse("billing:charge_rules"),
    )


@permission_required(SETUP)
@require_http_methods(["GET", "POST"])
def billing_settings_page(request):
    """The billing provider as claims, superbills and statements print it."""
    current = access_billing_settings(request.user)
    initial = {name: getattr(current, name) for name in BillingSettingsForm.base_fields}
    form = BillingSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    return run_form_action(
        request,
        form,
        lambda: actions.do_update_billing_settings(
            request.user, **{name: form.cleaned_data[name] for name in form.changed_data}
        ),
        success="Billing settings saved.",
        redirect_to=reverse("billing:billing_settings"),
    ) or render(request, "billing/fees/settings.html", {"form": form}, status=422 if form.errors else 200)


@permission_required(VIEW)
@require_http_methods(["GET"])
def providers_page(request):
    """Prescribers and therapists with the NPI and taxonomy a claim names them by."""
    providers = [(person, provider_identity_of(person)) for person in rendering_providers_for(request.user)]
    return render(
        request,
        "billing/fees/providers.html",
        {"providers": providers, "may_setup": user_may(request.user, SETUP)},
    )


@permission_required(SETUP)
@require_http_methods(["GET", "POST"])
def provider_page(request, user_id: int):
    provider = access_rendering_provider_by_id(request.user, user_id)
    identity = provider_identity_of(provider)
    initial = {"npi": identity.npi, "taxonomy_code": identity.taxonomy_code} if identity else None
    form = ProviderIdentityForm(request.POST if request.method == "POST" else None, initial=initial)
    return run_form_action(
        request,
        form,
        lambda: actions.do_set_provider_identity(request.user, provider.pk, **form.cleaned_data),
        success=f"Billing ids of {provider.get_full_name()} saved.",
        redirect_to=reverse("billing:providers"),
    ) or render(
        request, "billing/fees/provider.html", {"provider": provider, "form": form}, status=422 if form.errors else 200
    )


urlpatterns = [
    path("fees/", fee_schedule_page, name="fee_schedule"),
    path("fees/<int:item_id>/", fee_item_page, name="fee_item"),
    path("fees/<int:item_id>/retire/", fee_item_retire, name="fee_item_retire"),
    path("fees/rules/", charge_rules_page, name="charge_rules"),
    path("fees/rules/<int:rule_id>/retire/", charge_rule_retire, name="charge_rule_retire"),
    path("fees/settings/", billing_settings_page, name="billing_settings"),
    path("fees/providers/", providers_page, name="providers"),
    path("fees/providers/<int:user_id>/", provider_page, name="provider"),
]
