"""The patient's account under /api/v1/billing/accounts/: balance and entries, payments, refunds, write-offs,
adjustments, reversals, invoices and the payments report. The same actions and selectors as the pages."""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import StringConstraints

from ketacare.billing.actions import accounts as actions
from ketacare.billing.models import AccountEntry
from ketacare.billing.selectors import accounts as selectors
from ketacare.lib.api import READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.lib.ids import DbId
from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK

router = Router()

# Amounts as JSON strings or numbers in whole cents ("120.00"); the action refuses anything else.
AccountAmount = Annotated[Decimal, Field(gt=0, le=Decimal("1000000.00"), decimal_places=2, allow_inf_nan=False)]
AccountSignedAmount = Annotated[
    Decimal, Field(ge=Decimal("-1000000.00"), le=Decimal("1000000.00"), decimal_places=2, allow_inf_nan=False)
]
AccountReason = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=300)]
AccountReference = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=80)]
AccountMethod = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=20)]
AccountDay = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2100, 12, 31))]


class AccountEntryOut(Schema):
    id: int
    kind: str
    amount: Decimal
    currency: str
    description: str
    method: str
    reference: str
    reason: str
    charge_id: int | None
    package_sale_id: int | None
    invoice_id: int | None
    reverses_id: int | None
    posted_at: dt.datetime
    posted_by: str
    balance_after: Decimal | None = None


class AccountPackageOut(Schema):
    sale_id: int
    name: str
    covers_trigger: str
    sessions_included: int
    sessions_used: int
    sessions_refunded: int
    sessions_left: int
    valid_until: dt.date
    expired: bool
    price: Decimal
    currency: str


class AccountInvoiceOut(Schema):
    id: int
    number: str
    issued_at: dt.datetime
    due_date: dt.date
    currency: str
    total: Decimal
    package_credit: Decimal
    paid: Decimal
    due: Decimal
    charge_ids: list[int]
    package_sale_ids: list[int]


class AccountOut(Schema):
    patient_id: int
    currency: str
    balance: Decimal
    charges: Decimal
    payments: Decimal
    adjustments: Decimal
    packages: list[AccountPackageOut]
    invoices: list[AccountInvoiceOut]


class AccountPaymentIn(Schema):
    amount: AccountAmount
    method: AccountMethod
    reference: AccountReference = ""
    invoice_id: DbId | None = None


class AccountRefundIn(Schema):
    amount: AccountAmount
    method: AccountMethod
    reason: AccountReason
    reference: AccountReference = ""


class AccountWriteOffIn(Schema):
    amount: AccountAmount
    reason: AccountReason


class AccountAdjustmentIn(Schema):
    amount: AccountSignedAmount
    reason: AccountReason


class AccountReversalIn(Schema):
    reason: AccountReason


class AccountInvoiceIn(Schema):
    due_date: AccountDay | None = None


class AccountPaymentsRowOut(Schema):
    day: dt.date
    method: str
    payments: int
    received: Decimal
    refunded: Decimal
    net: Decimal


class AccountPaymentsReportOut(Schema):
    date_from: dt.date
    date_to: dt.date
    zone: str
    currency: str
    money_received_net: Decimal
    rows: list[AccountPaymentsRowOut]


class AccountPaymentsFilter(Schema):
    date_from: AccountDay
    date_to: AccountDay


def entry_out(entry: AccountEntry, balance_after: Decimal | None = None) -> dict:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "amount": entry.amount,
        "currency": entry.currency,
        "description": selectors.describe_entry(entry),
        "method": entry.method,
        "reference": entry.reference,
        "reason": entry.reason,
        "charge_id": entry.charge_id,
        "package_sale_id": entry.package_sale_id,
        "invoice_id": entry.invoice_id,
        "reverses_id": entry.reverses_id,
        "posted_at": entry.posted_at,
        "posted_by": entry.posted_by.username,
        "balance_after": balance_after,
    }


def invoice_out(summary: selectors.InvoiceSummary) -> dict:
    invoice = summary.invoice
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "issued_at": invoice.issued_at,
        "due_date": invoice.due_date,
        "currency": invoice.currency,
        "total": summary.total,
        "package_credit": summary.package_credit,
        "paid": summary.paid,
        "due": summary.due,
        "charge_ids": list(invoice.charges.values_list("pk", flat=True)),
        "package_sale_ids": list(invoice.package_sales.values_list("pk", flat=True)),
    }


def package_out(package: selectors.PackageBalance) -> dict:
    sale = package.sale
    return {
        "sale_id": sale.pk,
        "name": sale.name,
        "covers_trigger": sale.covers_trigger,
        "sessions_included": sale.sessions_included,
        "sessions_used": package.drawn,
        "sessions_refunded": package.refunded,
        "sessions_left": package.left,
        "valid_until": sale.valid_until,
        "expired": package.expired,
        "price": sale.price,
        "currency": sale.currency,
    }


@router.get("/accounts/patients/{patient_id}", response={200: AccountOut, **READ_ERRORS})
def get_account(request, patient_id: int = PathId):
    """The patient's balance (charges − payments − adjustments), packages with their credits, and invoices."""
    account = selectors.access_account(request.auth, patient_id)
    totals = account.totals
    return {
        "patient_id": account.patient.pk,
        "currency": account.currency,
        "balance": totals.balance,
        "charges": totals.charges,
        "payments": totals.payments,
        "adjustments": totals.adjustments,
        "packages": [package_out(package) for package in account.packages],
        "invoices": [invoice_out(summary) for summary in account.invoices],
    }


@router.get("/accounts/patients/{patient_id}/entries", response={200: list[AccountEntryOut], **READ_ERRORS})
def list_account_entries(request, patient_id: int = PathId):
    """Every entry, oldest first, with the running balance after it."""
    account = selectors.access_account(request.auth, patient_id)
    return [entry_out(line.entry, line.balance_after) for line in account.lines]


@router.post("/accounts/patients/{patient_id}/payments", response={201: AccountEntryOut, **WRITE_ERRORS})
def record_account_payment(request, payload: AccountPaymentIn, patient_id: int = PathId):
    """Money received: cash, check (reference = its number), card_terminal (reference required), insurance, other."""
    return 201, entry_out(actions.do_record_payment(request.auth, patient_id, **payload.dict()))


@router.post("/accounts/patients/{patient_id}/refunds", response={201: AccountEntryOut, **WRITE_ERRORS})
def record_account_refund(request, payload: AccountRefundIn, patient_id: int = PathId):
    """Money given back, at most the credit the account holds."""
    return 201, entry_out(actions.do_refund(request.auth, patient_id, **payload.dict()))


@router.post("/accounts/patients/{patient_id}/write-offs", response={201: AccountEntryOut, **WRITE_ERRORS})
def record_account_write_off(request, payload: AccountWriteOffIn, patient_id: int = PathId):
    return 201, entry_out(actions.do_write_off(request.auth, patient_id, **payload.dict()))


@router.post("/accounts/patients/{patient_id}/adjustments", response={201: AccountEntryOut, **WRITE_ERRORS})
def record_account_adjustment(request, payload: AccountAdjustmentIn, patient_id: int = PathId):
    """A correction with a reason: positive raises what is owed, negative lowers it."""
    return 201, entry_out(actions.do_adjust(request.auth, patient_id, **payload.dict()))


@router.post("/accounts/entries/{entry_id}/reversal", response={201: AccountEntryOut, **WRITE_ERRORS})
def reverse_account_entry(request, payload: AccountReversalIn, entry_id: int = PathId):
    """Cancel a payment, refund, write-off or adjustment recorded in error (a new entry)."""
    return 201, entry_out(actions.do_reverse_entry(request.auth, entry_id, **payload.dict()))


@router.post("/accounts/patients/{patient_id}/invoices", response={201: AccountInvoiceOut, **WRITE_ERRORS})
def issue_account_invoice(request, payload: AccountInvoiceIn, patient_id: int = PathId):
    """Invoice the final self-pay charges and packages not invoiced yet (numbered per organisation)."""
    invoice = actions.do_issue_invoice(request.auth, patient_id, due_date=payload.due_date)
    return 201, invoice_out(selectors.invoice_summary(invoice))


@router.get("/accounts/payments-report", response={200: AccountPaymentsReportOut, **READ_ERRORS})
def account_payments_report(request, filters: Query[AccountPaymentsFilter]):
    """Payments and refunds per day and per method (days in the caller's zone, named in the answer)."""
    report = selectors.payments_report(
        request.auth, date_from=filters.date_from, date_to=filters.date_to, zone=timezone.get_current_timezone()
    )
    return {
        "date_from": report.date_from,
        "date_to": report.date_to,
        "zone": report.zone,
        "currency": report.currency,
        "money_received_net": report.total(),
        "rows": [
            {
                "day": row.day,
                "method": row.method,
                "payments": row.count,
                "received": row.received,
                "refunded": row.refunded,
                "net": row.net,
            }
            for row in report.rows
        ],
    }
