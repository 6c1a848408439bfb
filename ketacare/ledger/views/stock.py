"""Stock pages: balances per location, one location's inventory, receipts, a vial's history with its
booking forms (count, transfer, disposal; waste is administration.py), and resolving a count."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, require_permission, user_may
from ketacare.accounts.selectors import colleague_by_id
from ketacare.ledger import forms
from ketacare.ledger.actions import stock as stock_actions
from ketacare.ledger.selectors import stock as stock_selectors
from ketacare.ledger.selectors.products import products, registration_of
from ketacare.ledger.selectors.theft_loss import theft_loss_dashboard
from ketacare.lib.views import run_form_action


@permission_required(Permission.LEDGER_VIEW)
@require_GET
def index(request):
    user = request.user
    return render(
        request,
        "ledger/index.html",
        {
            "balances": stock_selectors.product_balances(user),
            "locations": stock_selectors.ledger_locations(user),
            "discrepancies": stock_selectors.open_discrepancies(user),
            "reports_due": [
                row for row in theft_loss_dashboard(user) if row.notice_state != "done" or row.form_106_state != "done"
            ],
            "may_report": user_may(user, Permission.LEDGER_REPORT),
        },
    )


@permission_required(Permission.LEDGER_VIEW)
@require_GET
def location_inventory(request, pk: int):
    user = request.user
    location = stock_selectors.access_location(user, pk)
    include_empty = request.GET.get("all") == "1"
    return render(
        request,
        "ledger/location.html",
        {
            "location": location,
            "vials": stock_selectors.vials(user, location_id=location.pk, include_empty=include_empty),
            "include_empty": include_empty,
            "balances": stock_selectors.product_balances(user, location),
            "registration": registration_of(user, location),
            "may_record": user_may(user, Permission.LEDGER_RECORD),
            "may_report": user_may(user, Permission.LEDGER_REPORT),
        },
    )


@permission_required(Permission.LEDGER_RECORD)
def receive(request, pk: int):
    user = request.user
    location = stock_selectors.access_location(user, pk)
    form = forms.ReceiptForm(request.POST or None, products=products(user, active_only=True))
    return run_form_action(
        request,
        form,
        lambda: stock_actions.do_record_receipt(user, location_id=location.pk, **form.cleaned_data),
        success=lambda entries: (
            f"Received {len(entries)} container(s): " + ", ".join(entry.vial.identifier for entry in entries) + "."
        ),
        redirect_to=reverse("ledger:location", args=[location.pk]),
    ) or render(
        request,
        "ledger/form.html",
        {"form": form, "title": f"Receipt at {location.name}", "back": ("ledger:location", location.pk)},
    )


def vial_page(request, pk: int, bound: dict | None = None):
    """A stock item's history with its booking forms; `bound` holds a posted form to show again."""
    user = request.user
    vial, entries = stock_selectors.access_vial_history(user, pk)
    may_record = user_may(user, Permission.LEDGER_RECORD)
    page_forms = {}
    if may_record:
        others = stock_selectors.ledger_locations(user, other_than_id=vial.location_id)
        page_forms = {
            "waste": forms.WasteForm(actor=user),
            "count": forms.CountForm(),
            "transfer": forms.TransferForm(locations=others),
            "disposal": forms.DisposalForm(actor=user),
        }
        page_forms.update(bound or {})
    return render(
        request,
        "ledger/vial.html",
        {
            "vial": vial,
            "entries": entries,
            "forms": page_forms,
            "resolved": stock_selectors.resolved_count_ids(entries),
            "may_resolve": user_may(user, Permission.LEDGER_RESOLVE),
            "zone": vial.location.zone,
        },
        status=400 if bound else 200,
    )


@permission_required(Permission.LEDGER_VIEW)
@require_GET
def vial_detail(request, pk: int):
    return vial_page(request, pk)


def vial_post(request, pk: int, name: str, form, call, done: str):
    """A booking form of the vial page: on success back to the page, else the page with `form` again."""
    require_permission(request.user, Permission.LEDGER_RECORD)
    stock_selectors.access_vial(request.user, pk)
    return run_form_action(
        request, form, lambda: call(form.cleaned_data), success=done, redirect_to=reverse("ledger:vial", args=[pk])
    ) or vial_page(request, pk, {name: form})


def colleague_or_none(actor, user_id):
    """The colleague a form's choice names (None when none was chosen)."""
    return None if user_id is None else colleague_by_id(actor, user_id)


@permission_required(Permission.LEDGER_RECORD)
@require_POST
def vial_count(request, pk: int):
    user = request.user
    form = forms.CountForm(request.POST)
    return vial_post(
        request, pk, "count", form, lambda d: stock_actions.do_record_count(user, vial_id=pk, **d), "Count recorded."
    )


@permission_required(Permission.LEDGER_RECORD)
@require_POST
def vial_transfer(request, pk: int):
    user = request.user
    form = forms.TransferForm(request.POST, locations=stock_selectors.ledger_locations(user))
    return vial_post(
        request,
        pk,
        "transfer",
        form,
        lambda d: stock_actions.do_record_transfer(user, vial_id=pk, **d),
        "Transfer recorded.",
    )


@permission_required(Permission.LEDGER_RECORD)
@require_POST
def vial_disposal(request, pk: int):
    user = request.user
    form = forms.DisposalForm(request.POST, actor=user)

    def call(d):
        return stock_actions.do_record_disposal(
            user,
            vial_id=pk,
            **{k: v for k, v in d.items() if k not in ("witness", "second_witness")},
            witness=colleague_or_none(user, d["witness"]),
            second_witness=colleague_or_none(user, d["second_witness"]),
        )

    return vial_post(request, pk, "disposal", form, call, "Recorded.")


@permission_required(Permission.LEDGER_RESOLVE)
def resolve(request, entry_pk: int):
    """A prescriber brings the book to a count that differed from it, with a reason."""
    user = request.user
    count = stock_selectors.access_count(user, entry_pk)
    form = forms.ResolveForm(request.POST or None)
    return run_form_action(
        request,
        form,
        lambda: stock_actions.do_resolve_discrepancy(user, count_entry_id=entry_pk, **form.cleaned_data),
        success="Discrepancy resolved.",
        redirect_to=lambda entry: reverse("ledger:vial", args=[entry.vial_id]),
    ) or render(
        request,
        "ledger/form.html",
        {
            "form": form,
            "title": "Resolve count discrepancy",
            "intro": f"Count #{count.sequence} of vial {count.vial.identifier}: counted {count.counted_mg} mg, "
            f"difference from the book {count.discrepancy_mg} mg. Resolving brings the book to the count.",
            "back": ("ledger:vial", count.vial_id),
        },
        status=400 if form.is_bound else 200,
    )
