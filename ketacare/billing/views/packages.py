"""Package offers (billing set-up: what the clinic sells) and the refund of a sold package's unused sessions.
A package is sold from the patient's account page (views/accounts.py)."""

from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.billing.actions import packages as actions
from ketacare.billing.domain.accounts import unused_sessions_value
from ketacare.billing.forms.accounts import UnusedSessionsRefundForm
from ketacare.billing.forms.packages import PackageOfferForm
from ketacare.billing.models import RefundPolicy
from ketacare.billing.selectors import accounts as selectors
from ketacare.lib.views import run_action, run_form_action


@permission_required(Permission.BILLING_SETUP)
@require_http_methods(["GET", "POST"])
def offers_page(request):
    form = PackageOfferForm(request.POST or None)
    done = run_form_action(
        request,
        form,
        lambda: actions.do_create_package_offer(request.user, **form.cleaned_data),
        success=lambda offer: f"{offer.name} is on sale.",
        redirect_to=reverse("billing:package_offers"),
    )
    return done or render(
        request,
        "billing/packages/offers.html",
        {"form": form, "offers": selectors.package_offers_for(request.user, include_inactive=True)},
        status=422 if form.errors else 200,
    )


@permission_required(Permission.BILLING_SETUP)
@require_POST
def offer_retire(request, offer_id: int):
    back = reverse("billing:package_offers")
    return run_action(
        request,
        lambda: actions.do_retire_package_offer(request.user, offer_id),
        success=lambda offer: f"{offer.name} is no longer sold; packages already sold keep their terms.",
        redirect_to=back,
        failure="Not retired.",
    )


@permission_required(Permission.PAYMENTS_ADJUST)
@require_http_methods(["GET", "POST"])
def refund_unused_page(request, sale_id: int):
    sale = selectors.access_sale_by_id(request.user, sale_id)
    balance = next(package for package in selectors.package_balances(sale.patient) if package.sale.pk == sale.pk)
    form = UnusedSessionsRefundForm(request.POST or None)
    done = run_form_action(
        request,
        form,
        lambda: actions.do_refund_unused_sessions(request.user, sale.pk, **form.cleaned_data),
        success=lambda refund: (
            f"{refund.sessions} unused session(s) closed, worth {refund.value}; "
            f"refunded {refund.refund.amount if refund.refund else 0}."
        ),
        redirect_to=reverse("billing:account", args=[sale.patient_id]),
    )
    if sale.refund_policy == RefundPolicy.NO_REFUND:
        intro = "This package's terms refund no unused sessions."
    elif balance.left <= 0:
        intro = "No sessions of this package are left."
    else:
        value = unused_sessions_value(sale.price, sale.sessions_included, balance.left)
        intro = (
            f"{sale.name}: {balance.left} of {sale.sessions_included} sessions unused, worth {value} {sale.currency} "
            "at the package's price per session. Their value comes off the account; the money is given back as far "
            "as the account then holds a credit."
        )
    return done or render(
        request,
        "billing/accounts/form.html",
        {"patient": sale.patient, "form": form, "title": "Refund unused sessions", "intro": intro, "button": "Refund"},
        status=422 if form.errors else 200,
    )


urlpatterns = [
    path("packages/offers/", offers_page, name="package_offers"),
    path("packages/offers/<int:offer_id>/retire/", offer_retire, name="package_offer_retire"),
    path("packages/sales/<int:sale_id>/refund-unused/", refund_unused_page, name="package_refund_unused"),
]
