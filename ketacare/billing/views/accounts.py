"""The patient's billing account for staff (/billing/accounts/...): balance, statement, packages, invoices;
record a payment, sell a package, issue an invoice, refund / write off / adjust, reverse an entry; the
statement, invoice and receipt PDFs; payments per day and per method (page + CSV). Thin: every write is an
action, every read a selector. Billing staff have no chart: these pages show what a bill needs."""

import csv
import io

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.billing.actions import accounts as actions
from ketacare.billing.actions.packages import do_sell_package
from ketacare.billing.forms.accounts import (
    CorrectionForm,
    CorrectionKind,
    InvoiceForm,
    PaymentForm,
    PaymentsReportForm,
    ReasonForm,
    SellPackageForm,
)
from ketacare.billing.selectors import accounts as selectors
from ketacare.billing.selectors.fees import billing_settings_of
from ketacare.billing.selectors.insurance import patient_today
from ketacare.lib.csv_cells import csv_safe
from ketacare.lib.forms import show_errors
from ketacare.lib.views import run_form_action


def _account_url(patient_id: int) -> str:
    return reverse("billing:account", args=[patient_id])


def billing_section(request, patient) -> str:
    """The patient's balance and package credits on the chart (patients.hooks; the chart has checked access)."""
    if not request.user.may(Permission.BILLING_VIEW):
        return ""
    account = selectors.account_summary(patient)
    return render_to_string("billing/accounts/_section.html", {"account": account}, request=request)


@permission_required(Permission.BILLING_VIEW)
@require_GET
def accounts_page(request):
    """Find a patient's account by name or record number (billing staff have no chart to start from)."""
    query = request.GET.get("q", "")
    patients = selectors.search_account_patients(request.user, query) if query.strip() else []
    return render(
        request,
        "billing/accounts/index.html",
        {"query": query.strip(), "patients": patients, "may_setup": request.user.may(Permission.BILLING_SETUP)},
    )


@permission_required(Permission.BILLING_VIEW)
@require_GET
def account_page(request, patient_id: int):
    account = selectors.access_account(request.user, patient_id)
    user = request.user
    return render(
        request,
        "billing/accounts/account.html",
        {
            "account": account,
            "patient": account.patient,
            "may_record": user.may(Permission.PAYMENTS_RECORD),
            "may_adjust": user.may(Permission.PAYMENTS_ADJUST),
        },
    )


def _form_page(request, patient, form, *, title: str, intro: str = "", button: str = "Save", status: int = 200):
    return render(
        request,
        "billing/accounts/form.html",
        {"patient": patient, "form": form, "title": title, "intro": intro, "button": button},
        status=422 if form.is_bound and form.errors else status,
    )


@permission_required(Permission.PAYMENTS_RECORD)
@require_http_methods(["GET", "POST"])
def payment_page(request, patient_id: int):
    patient = selectors.access_account_patient(request.user, patient_id, audit=request.method == "GET")
    open_invoices = [summary for summary in selectors.account_of(patient).invoices if not summary.is_paid]
    form = PaymentForm(request.POST or None, invoices=open_invoices)
    done = run_form_action(
        request,
        form,
        lambda: actions.do_record_payment(request.user, patient.pk, **form.cleaned_data),
        success=lambda entry: f"Payment of {-entry.amount} recorded.",
        redirect_to=_account_url(patient.pk),
    )
    return done or _form_page(request, patient, form, title="Record a payment", button="Record payment")


@permission_required(Permission.PAYMENTS_RECORD)
@require_http_methods(["GET", "POST"])
def sell_package_page(request, patient_id: int):
    patient = selectors.access_account_patient(request.user, patient_id, audit=request.method == "GET")
    form = SellPackageForm(request.POST or None, offers=selectors.package_offers_for(request.user))
    done = run_form_action(
        request,
        form,
        lambda: do_sell_package(request.user, patient.pk, offer_id=form.cleaned_data["offer_id"]),
        success=lambda sale: f"{sale.name} sold; its price is on the account.",
        redirect_to=_account_url(patient.pk),
    )
    intro = "" if form.fields["offer_id"].choices else "The clinic sells no packages yet (billing set-up)."
    return done or _form_page(request, patient, form, title="Sell a package", intro=intro, button="Sell package")


@permission_required(Permission.PAYMENTS_RECORD)
@require_http_methods(["GET", "POST"])
def invoice_page(request, patient_id: int):
    patient = selectors.access_account_patient(request.user, patient_id, audit=request.method == "GET")
    charges, sales = actions.uninvoiced_items(patient)
    form = InvoiceForm(request.POST or None, due_days=billing_settings_of(patient.organisation).invoice_due_days)
    done = run_form_action(
        request,
        form,
        lambda: actions.do_issue_invoice(request.user, patient.pk, due_date=form.cleaned_data["due_date"]),
        success=lambda invoice: f"Invoice {invoice.number} issued.",
        redirect_to=_account_url(patient.pk),
    )
    intro = f"{len(charges)} final self-pay charge(s) and {len(sales)} package(s) are not invoiced yet."
    return done or _form_page(request, patient, form, title="Issue an invoice", intro=intro, button="Issue invoice")


def _correct(user, patient_id: int, data: dict):
    kind, amount, reason = data["kind"], data["amount"], data["reason"]
    if kind == CorrectionKind.REFUND:
        return actions.do_refund(
            user, patient_id, amount=amount, method=data["method"], reason=reason, reference=data["reference"]
        )
    if kind == CorrectionKind.WRITE_OFF:
        return actions.do_write_off(user, patient_id, amount=amount, reason=reason)
    return actions.do_adjust(user, patient_id, amount=amount, reason=reason)


@permission_required(Permission.PAYMENTS_ADJUST)
@require_http_methods(["GET", "POST"])
def correction_page(request, patient_id: int):
    patient = selectors.access_account_patient(request.user, patient_id, audit=request.method == "GET")
    form = CorrectionForm(request.POST or None)
    done = run_form_action(
        request,
        form,
        lambda: _correct(request.user, patient.pk, form.cleaned_data),
        success=lambda entry: f"{entry.get_kind_display()} of {abs(entry.amount)} recorded.",
        redirect_to=_account_url(patient.pk),
    )
    intro = f"Balance now {selectors.patient_balance(patient)}. Every correction is a new entry with its reason."
    return done or _form_page(request, patient, form, title="Refund, write off or adjust", intro=intro)


@permission_required(Permission.PAYMENTS_ADJUST)
@require_http_methods(["GET", "POST"])
def reverse_page(request, entry_id: int):
    entry = selectors.access_entry_by_id(request.user, entry_id, audit=request.method == "GET")
    form = ReasonForm(request.POST or None)
    done = run_form_action(
        request,
        form,
        lambda: actions.do_reverse_entry(request.user, entry.pk, reason=form.cleaned_data["reason"]),
        success="Entry reversed.",
        redirect_to=_account_url(entry.patient_id),
    )
    intro = f"Reverse: {selectors.describe_entry(entry)}, {entry.amount} {entry.currency}."
    return done or _form_page(request, entry.patient, form, title="Reverse an entry", intro=intro, button="Reverse")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@permission_required(Permission.BILLING_VIEW)
@require_GET
def statement_pdf(request, patient_id: int):
    from ketacare.billing.account_pdfs import statement_pdf as build  # reportlab loads with the first PDF

    account = selectors.access_account(request.user, patient_id)
    zone = timezone.get_current_timezone()
    content = build(account, zone=zone, today=patient_today(account.patient))
    return _pdf(content, f"statement-{account.patient.record_number}.pdf")


@permission_required(Permission.BILLING_VIEW)
@require_GET
def invoice_pdf(request, invoice_id: int):
    from ketacare.billing.account_pdfs import invoice_pdf as build

    invoice = selectors.access_invoice_by_id(request.user, invoice_id)
    content = build(selectors.invoice_summary(invoice), zone=timezone.get_current_timezone())
    return _pdf(content, f"invoice-{invoice.number}.pdf")


@permission_required(Permission.BILLING_VIEW)
@require_GET
def receipt_pdf(request, entry_id: int):
    from ketacare.billing.account_pdfs import receipt_pdf as build

    entry = selectors.receipt_entry(selectors.access_entry_by_id(request.user, entry_id))
    return _pdf(build(entry, zone=timezone.get_current_timezone()), f"receipt-{entry.pk}.pdf")


def payments_csv(report: selectors.PaymentsReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [f"# Payments per day and per method, {report.date_from} to {report.date_to}, days in {report.zone}"]
    )
    writer.writerow(["date", "method", "payments", "received", "refunded", "net", "currency"])
    for row in report.rows:
        writer.writerow(
            [
                row.day.isoformat(),
                csv_safe(row.method_label),
                row.count,
                row.received,
                row.refunded,
                row.net,
                report.currency,
            ]
        )
    return buffer.getvalue()


@permission_required(Permission.BILLING_VIEW)
@require_GET
def payments_report_page(request):
    """Payments per day and per method, days in the page's zone (stated); ?format=csv downloads it."""
    today = timezone.localdate()
    data = request.GET if "date_from" in request.GET else {"date_from": today.replace(day=1), "date_to": today}
    form = PaymentsReportForm(data)
    report = None
    if form.is_valid():
        try:
            report = selectors.payments_report(
                request.user,
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                zone=timezone.get_current_timezone(),
            )
        except ValidationError as exc:
            show_errors(form, exc)
    if report is not None and request.GET.get("format") == "csv":
        response = HttpResponse(payments_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="payments-{report.date_from}-{report.date_to}.csv"'
        return response
    return render(
        request,
        "billing/accounts/payments_report.html",
        {"form": form, "report": report},
        status=422 if form.errors else 200,
    )


urlpatterns = [
    path("accounts/", accounts_page, name="accounts"),
    path("accounts/payments/", payments_report_page, name="payments_report"),
    path("accounts/patient/<int:patient_id>/", account_page, name="account"),
    path("accounts/patient/<int:patient_id>/payment/", payment_page, name="account_payment"),
    path("accounts/patient/<int:patient_id>/package/", sell_package_page, name="account_sell_package"),
    path("accounts/patient/<int:patient_id>/invoice/", invoice_page, name="account_invoice"),
    path("accounts/patient/<int:patient_id>/correction/", correction_page, name="account_correction"),
    path("accounts/patient/<int:patient_id>/statement.pdf", statement_pdf, name="account_statement_pdf"),
    path("accounts/entries/<int:entry_id>/reverse/", reverse_page, name="account_entry_reverse"),
    path("accounts/entries/<int:entry_id>/receipt.pdf", receipt_pdf, name="account_receipt_pdf"),
    path("accounts/invoices/<int:invoice_id>.pdf", invoice_pdf, name="account_invoice_pdf"),
]
