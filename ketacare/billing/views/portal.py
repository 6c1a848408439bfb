"""The patient's own money pages under /portal/billing/ (namespace billing_portal): balance, package credits
left, invoices, receipts and the statement, as pages and PDFs. Only the signed-in patient's own account."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.billing.selectors import accounts as selectors
from ketacare.billing.selectors.insurance import patient_today


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@permission_required(Permission.OWN_RECORD_VIEW)
@require_GET
def home(request):
    account = selectors.own_account(request.user)
    return render(request, "billing/portal/home.html", {"account": account, "patient": account.patient})


@permission_required(Permission.OWN_RECORD_VIEW)
@require_GET
def statement_pdf(request):
    from ketacare.billing.account_pdfs import statement_pdf as build  # reportlab loads with the first PDF

    account = selectors.own_account(request.user)
    content = build(account, zone=timezone.get_current_timezone(), today=patient_today(account.patient))
    return _pdf(content, "statement.pdf")


@permission_required(Permission.OWN_RECORD_VIEW)
@require_GET
def invoice_pdf(request, invoice_id: int):
    from ketacare.billing.account_pdfs import invoice_pdf as build

    invoice = selectors.own_invoice(request.user, invoice_id)
    content = build(selectors.invoice_summary(invoice), zone=timezone.get_current_timezone())
    return _pdf(content, f"invoice-{invoice.number}.pdf")


@permission_required(Permission.OWN_RECORD_VIEW)
@require_GET
def receipt_pdf(request, entry_id: int):
    from ketacare.billing.account_pdfs import receipt_pdf as build

    entry = selectors.own_receipt(request.user, entry_id)
    return _pdf(build(entry, zone=timezone.get_current_timezone()), f"receipt-{entry.pk}.pdf")


urlpatterns = [
    path("", home, name="home"),
    path("statement.pdf", statement_pdf, name="statement_pdf"),
    path("invoices/<int:invoice_id>.pdf", invoice_pdf, name="invoice_pdf"),
    path("receipts/<int:entry_id>.pdf", receipt_pdf, name="receipt_pdf"),
]
