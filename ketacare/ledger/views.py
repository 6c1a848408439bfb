"""Ledger pages: inventory per location, a vial's history with its booking forms, receipts,
counts and their resolution, theft/loss reports with their deadlines, exports and settings.

Thin: each view parses a form, calls one action or selector and renders or redirects; errors an
action raises are shown on the form, naming the field.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import (
    permission_required,
    require_permission,
    user_may,
)
from ketacare.ledger import actions, forms, reports, selectors
from ketacare.ledger.models import LedgerEntry, LedgerSettings, Registration
from ketacare.lib.forms import show_errors


def _run(form, call):
    """Call the action with the form's data; on a ValidationError put it on the form and return None."""
    if not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except ValidationError as exc:
        show_errors(form, exc)
        return None


@permission_required(Permission.LEDGER_VIEW)
@require_GET
def index(request):
    user = request.user
    return render(request, "ledger/index.html", {
        "balances": selectors.product_balances(user),
        "locations": selectors.ledger_locations(user),
        "discrepancies": selectors.open_discrepancies(user),
        "reports_due": [row for row in selectors.theft_loss_dashboard(user) if row.notice_state != "done" or row.form_106_state != "done"],
        "may_report": user_may(user, Permission.LEDGER_REPORT),
    })


@permission_required(Permission.LEDGER_VIEW)
@require_GET
def location_inventory(request, pk: int):
    user = request.user
    location = selectors.access_location(user, pk)
    include_empty = request.GET.get("all") == "1"
    return render(request, "ledger/location.html", {
        "location": location,
        "vials": selectors.vials(user, location_id=location.pk, include_empty=include_empty),
        "include_empty": include_empty,
        "balances": selectors.product_balances(user, location),
        "registration": Registration.objects.filter(location=location).first(),
        "may_record": user_may(user, Permission.LEDGER_RECORD),
        "may_report": user_may(user, Permission.LEDGER_REPORT),
    })


@permission_required(Permission.LEDGER_RECORD)
def receive(request, pk: int):
    user = request.user
    location = selectors.access_location(user, pk)
    form = forms.ReceiptForm(request.POST or None, products=selectors.products(user).filter(is_active=True))
    if request.method == "POST":
        entries = _run(form, lambda data: actions.do_record_receipt(user, location_id=location.pk, **data))
        if entries:
            messages.success(request, f"Received {len(entries)} container(s): "
                             + ", ".join(entry.vial.identifier for entry in entries) + ".")
            return redirect("ledger:location", pk=location.pk)
    return render(request, "ledger/form.html", {"form": form, "title": f"Receipt at {location.name}",
                                                "back": ("ledger:location", location.pk)})


def _vial_page(request, pk: int, bound: dict | None = None):
    user = request.user
    vial, entries = selectors.access_vial_history(user, pk)
    may_record = user_may(user, Permission.LEDGER_RECORD)
    page_forms = {}
    if may_record:
        others = selectors.ledger_locations(user).exclude(pk=vial.location_id)
        page_forms = {
            "waste": forms.WasteForm(actor=user),
            "count": forms.CountForm(),
            "transfer": forms.TransferForm(locations=others),
            "disposal": forms.DisposalForm(actor=user),
        }
        page_forms.update(bound or {})
    resolved = set(LedgerEntry.objects.filter(related_entry__vial=vial, kind="adjustment").values_list("related_entry_id", flat=True))
    return render(request, "ledger/vial.html", {
        "vial": vial, "entries": entries, "forms": page_forms, "resolved": resolved,
        "may_resolve": user_may(user, Permission.LEDGER_RESOLVE), "zone": vial.location.zone,
    }, status=400 if bound else 200)


@permission_required(Permission.LEDGER_VIEW)
@require_GET
def vial_detail(request, pk: int):
    return _vial_page(request, pk)


def _vial_post(request, pk: int, name: str, form, call, done: str):
    require_permission(request.user, Permission.LEDGER_RECORD)
    selectors.access_vial(request.user, pk)
    if _run(form, call) is not None:
        messages.success(request, done)
        return redirect("ledger:vial", pk=pk)
    return _vial_page(request, pk, {name: form})


@permission_required(Permission.LEDGER_RECORD)
@require_POST
def vial_waste(request, pk: int):
    user = request.user
    form = forms.WasteForm(request.POST, actor=user)
    return _vial_post(request, pk, "waste", form, lambda d: actions.do_record_waste(
        user, vial_id=pk, quantity_mg=d["quantity_mg"], reason=d["reason"], witness=_user(user, d["witness"]),
        witness_password=d["witness_password"]), "Waste recorded.")


@permission_required(Permission.LEDGER_RECORD)
@require_POST
def vial_count(request, pk: int):
    user = request.user
    form = forms.CountForm(request.POST)
    return _vial_post(request, pk, "count", form,
                      lambda d: actions.do_record_count(user, vial_id=pk, **d), "Count recorded.")


@permission_required(Permission.LEDGER_RECORD)
@require_POST
def vial_transfer(request, pk: int):
    user = request.user
    form = forms.TransferForm(request.POST, locations=selectors.ledger_locations(user))
    return _vial_post(request, pk, "transfer", form,
                      lambda d: actions.do_record_transfer(user, vial_id=pk, **d), "Transfer recorded.")


@permission_required(Permission.LEDGER_RECORD)
@require_POST
def vial_disposal(request, pk: int):
    user = request.user
    form = forms.DisposalForm(request.POST, actor=user)

    def call(d):
        return actions.do_record_disposal(
            user, vial_id=pk, **{k: v for k, v in d.items() if k not in ("witness", "second_witness")},
            witness=_user(user, d["witness"]), second_witness=_user(user, d["second_witness"]),
        )
    return _vial_post(request, pk, "disposal", form, call, "Recorded.")


def _user(actor, user_id):
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id, organisation_id=actor.organisation_id).first()


@permission_required(Permission.LEDGER_RESOLVE)
def resolve(request, entry_pk: int):
    """A prescriber brings the book to a count that differed from it, with a reason."""
    user = request.user
    count = selectors.access_count(user, entry_pk)
    form = forms.ResolveForm(request.POST or None)
    if request.method == "POST":
        entry = _run(form, lambda d: actions.do_resolve_discrepancy(user, count_entry_id=entry_pk, **d))
        if entry:
            messages.success(request, "Discrepancy resolved.")
            return redirect("ledger:vial", pk=entry.vial_id)
    return render(request, "ledger/form.html", {
        "form": form, "title": "Resolve count discrepancy",
        "intro": f"Count #{count.sequence} of vial {count.vial.identifier}: counted {count.counted_mg} mg, "
                 f"difference from the book {count.discrepancy_mg} mg. Resolving brings the book to the count.",
        "back": ("ledger:vial", count.vial_id),
    }, status=400 if form.is_bound else 200)


@permission_required(Permission.LEDGER_VIEW)
@require_GET
def theft_loss_list(request):
    return render(request, "ledger/theft_loss.html", {"rows": selectors.theft_loss_dashboard(request.user),
                                                      "locations": selectors.ledger_locations(request.user)})


@permission_required(Permission.LEDGER_RECORD)
def theft_loss_new(request, pk: int):
    user = request.user
    location = selectors.access_location(user, pk)
    form = forms.TheftLossForm(request.POST or None, vials=selectors.vials(user, location_id=location.pk))
    if request.method == "POST":
        def call(d):
            losses = [(d["vial_id"], d["quantity_mg"])] if d["vial_id"] else []
            if d["vial_id"] and d["quantity_mg"] is None:
                raise ValidationError({"quantity_mg": "Give the quantity lost from the vial."})
            return actions.do_report_theft_loss(user, location_id=location.pk, kind=d["kind"],
                                                discovered_on=d["discovered_on"], description=d["description"],
                                                losses=losses)
        report = _run(form, call)
        if report:
            messages.success(request, f"Reported. Written notice due {report.written_notice_due}, "
                             f"DEA Form 106 due {report.form_106_due}.")
            return redirect("ledger:theft_loss_detail", pk=report.pk)
    return render(request, "ledger/form.html", {"form": form, "title": f"Theft or loss at {location.name}",
                                                "back": ("ledger:location", location.pk)})


@permission_required(Permission.LEDGER_VIEW)
def theft_loss_detail(request, pk: int):
    user = request.user
    report = selectors.access_theft_loss_report(user, pk)
    may_update = user_may(user, Permission.LEDGER_REPORT)
    form = forms.ReportUpdateForm(request.POST or None) if may_update else None
    if request.method == "POST":
        require_permission(user, Permission.LEDGER_REPORT)
        if _run(form, lambda d: actions.do_update_theft_loss_report(user, pk, **d)):
            messages.success(request, "Saved.")
            return redirect("ledger:theft_loss_detail", pk=pk)
    return render(request, "ledger/theft_loss_detail.html", {"report": report, "form": form,
                                                             "entries": report.entries.select_related("vial")})


@permission_required(Permission.LEDGER_REPORT)
def export(request, pk: int):
    user = request.user
    location = selectors.access_location(user, pk)
    form = forms.ExportForm(request.GET if "kind" in request.GET else None)
    if form.is_bound:
        built = _run(form, lambda d: reports.build_report(
            user, location_id=location.pk, kind=d["kind"], date_from=d["date_from"], date_to=d["date_to"],
            inventory_type=d["inventory_type"], business_time=d["business_time"], audit_format=d["format"]))
        if built:
            if form.cleaned_data["format"] == "csv":
                response = HttpResponse(reports.report_csv(built), content_type="text/csv; charset=utf-8")
            else:
                response = HttpResponse(reports.report_pdf(built), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{built.filename_stem}.{form.cleaned_data["format"]}"'
            return response
    return render(request, "ledger/form.html", {"form": form or forms.ExportForm(), "title": f"Reports for {location.name}",
                                                "method": "get", "back": ("ledger:location", location.pk)})


@permission_required(Permission.LEDGER_REPORT)
def settings_page(request):
    user = request.user
    locations = selectors.ledger_locations(user)
    current = LedgerSettings.for_organisation(user.organisation_id)
    which = request.POST.get("form") if request.method == "POST" else None
    settings_form = forms.LedgerSettingsForm(request.POST if which == "settings" else None, instance=current)
    registration_form = forms.RegistrationForm(request.POST if which == "registration" else None, locations=locations)
    product_form = forms.ProductForm(request.POST if which == "product" else None)
    done = None
    if which == "settings":
        done = _run(settings_form, lambda d: actions.do_update_ledger_settings(user, **d))
    elif which == "registration":
        done = _run(registration_form, lambda d: actions.do_save_registration(user, **d))
    elif which == "product":
        done = _run(product_form, lambda d: actions.do_create_product(user, **d))
    if done:
        messages.success(request, "Saved.")
        return redirect("ledger:settings")
    return render(request, "ledger/settings.html", {
        "settings_form": settings_form, "registration_form": registration_form, "product_form": product_form,
        "registrations": Registration.objects.filter(location__organisation_id=user.organisation_id).select_related("location"),
        "products": selectors.products(user), "chain": selectors.verify_ledger(user),
    }, status=400 if which else 200)
