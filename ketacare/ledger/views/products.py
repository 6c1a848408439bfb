"""The ledger's settings page: the clinic's ledger settings, DEA registrations, products, and the
state of the hash chain."""

from django.shortcuts import render

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.ledger import forms
from ketacare.ledger.actions import products as product_actions
from ketacare.ledger.selectors.products import ledger_settings, products, registrations
from ketacare.ledger.selectors.reports import verify_ledger
from ketacare.ledger.selectors.stock import ledger_locations
from ketacare.lib.views import run_form_action


@permission_required(Permission.LEDGER_REPORT)
def settings_page(request):
    user = request.user
    locations = ledger_locations(user)
    current = ledger_settings(user)
    which = request.POST.get("form") if request.method == "POST" else None
    settings_form = forms.LedgerSettingsForm(request.POST if which == "settings" else None, instance=current)
    registration_form = forms.RegistrationForm(request.POST if which == "registration" else None, locations=locations)
    product_form = forms.ProductForm(request.POST if which == "product" else None)
    posted = {
        "settings": (settings_form, product_actions.do_update_ledger_settings),
        "registration": (registration_form, product_actions.do_save_registration),
        "product": (product_form, product_actions.do_create_product),
    }.get(which)
    if posted:
        form, action = posted
        done = run_form_action(
            request, form, lambda: action(user, **form.cleaned_data), success="Saved.", redirect_to="ledger:settings"
        )
        if done:
            return done
    return render(
        request,
        "ledger/settings.html",
        {
            "settings_form": settings_form,
            "registration_form": registration_form,
            "product_form": product_form,
            "registrations": registrations(user),
            "products": products(user),
            # Reading and hashing every entry grows with the ledger (30 ms at the demo's 300 entries): on request.
            "chain": verify_ledger(user) if request.GET.get("check") == "chain" else None,
        },
        status=400 if which else 200,
    )
