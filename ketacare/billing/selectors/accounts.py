"""Reads of the patient's account: balance, statement lines, package credits, invoices, receipts, and the
payments report.

`patient_balance`, `account_totals_of`, `statement_lines`, `package_balances` and `invoice_summary` are
facts for code that has already checked access (no audit). The `access_*` reads are for pages and the API:
BILLING_VIEW within the user's organisation (another organisation's rows: 404), audited; the `own_*` reads
are the portal's: the signed-in patient's own account only.
"""

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.billing.domain.accounts import AccountTotals, PlainEntry, account_totals, reversal_refusal
from ketacare.billing.domain.money import format_money, to_cents
from ketacare.billing.models import AccountEntry, EntryKind, Invoice, PackageOffer, PackageSale, PaymentMethod
from ketacare.billing.selectors.fees import billing_settings_of
from ketacare.billing.selectors.insurance import billing_patient_by_id, patient_today
from ketacare.lib.ids import db_id_or_zero
from ketacare.patients.models import Patient

ZERO = Decimal("0.00")
# The longest payments report one request builds (a year of days).
REPORT_MAX_DAYS = 366
SEARCH_LIMIT = 50
SEARCH_MAX_CHARS = 100


def sum_of_amounts(entries) -> Decimal:
    """Σ amount of a queryset of entries, in cents. Rounded because SQLite keeps decimals as binary floating
    point and sums them so (4.10 − 3.93 comes back as 0.169999999999999): found by the reconciliation property."""
    return to_cents(entries.aggregate(total=Sum("amount"))["total"] or ZERO)


def patient_balance(patient: Patient) -> Decimal:
    """Σ of the patient's entries: > 0 they owe, < 0 the account holds a credit."""
    return sum_of_amounts(AccountEntry.objects.filter(patient=patient))


def _plain(entries) -> list[PlainEntry]:
    return [
        PlainEntry(kind=entry.kind, amount=entry.amount, reverses_kind=entry.reverses.kind if entry.reverses else "")
        for entry in entries
    ]


def account_totals_of(patient: Patient) -> AccountTotals:
    return account_totals(_plain(AccountEntry.objects.filter(patient=patient).select_related("reverses")))


def describe_entry(entry: AccountEntry) -> str:
    """One line for a statement or a list, in words a patient reads."""
    if entry.kind == EntryKind.CHARGE and entry.charge is not None:
        charge = entry.charge
        return f"{charge.code} {charge.description}, {charge.service_date:%Y-%m-%d}"
    if entry.kind == EntryKind.PACKAGE_SALE and entry.package_sale is not None:
        return f"Package: {entry.package_sale.name}"
    if entry.kind == EntryKind.REVERSAL:
        return f"Reversal of entry {entry.reverses_id}: {entry.reason}"
    words = entry.get_kind_display()
    if entry.method:
        words += f", {entry.get_method_display()}"
    if entry.reference:
        words += f" (ref. {entry.reference})"
    if entry.reason:
        words += f": {entry.reason}"
    return words


@dataclass(frozen=True)
class StatementLine:
    entry: AccountEntry
    description: str
    amount: Decimal
    balance_after: Decimal
    reversed: bool
    reversible: bool  # a reversal is how this entry is corrected (domain/accounts.py reversal_refusal)


def statement_lines(patient: Patient) -> list[StatementLine]:
    """Every entry, oldest first, with the running balance after it."""
    entries = list(
        AccountEntry.objects.filter(patient=patient)
        .select_related("charge", "package_sale", "reverses", "invoice", "posted_by")
        .order_by("posted_at", "id")
    )
    reversed_ids = {entry.reverses_id for entry in entries if entry.reverses_id}
    running = ZERO
    lines = []
    for entry in entries:
        running += entry.amount
        lines.append(
            StatementLine(
                entry=entry,
                description=describe_entry(entry),
                amount=entry.amount,
                balance_after=running,
                reversed=entry.pk in reversed_ids,
                reversible=not reversal_refusal(
                    kind=entry.kind,
                    method=entry.method,
                    from_package=entry.package_sale_id is not None,
                    already_reversed=entry.pk in reversed_ids,
                ),
            )
        )
    return lines


@dataclass(frozen=True)
class PackageBalance:
    sale: PackageSale
    drawn: int  # sessions its credits paid for (net of credits given back)
    refunded: int  # sessions refunded unused
    left: int
    expired: bool


def package_balances(patient: Patient, *, today: dt.date | None = None) -> list[PackageBalance]:
    """The patient's packages, newest first, with their credits drawn, refunded and left."""
    today = today or patient_today(patient)
    balances = []
    for sale in PackageSale.objects.filter(patient=patient).prefetch_related("uses").order_by("-sold_at", "-id"):
        uses = list(sale.uses.all())
        drawn = sum(use.sessions for use in uses if use.charge_id is not None)
        refunded = sum(use.sessions for use in uses if use.charge_id is None)
        left = sale.sessions_included - drawn - refunded
        balances.append(
            PackageBalance(sale=sale, drawn=drawn, refunded=refunded, left=left, expired=sale.valid_until < today)
        )
    return balances


@dataclass(frozen=True)
class InvoiceLine:
    date: dt.date
    code: str
    description: str
    units: Decimal
    amount: Decimal
    paid_by_package: Decimal


@dataclass(frozen=True)
class InvoiceSummary:
    invoice: Invoice
    lines: list[InvoiceLine]
    total: Decimal
    package_credit: Decimal  # what package credits paid of its charges
    paid: Decimal  # payments recorded against it (net of their reversals)
    due: Decimal

    @property
    def is_paid(self) -> bool:
        return self.due <= 0


def invoice_summary(invoice: Invoice) -> InvoiceSummary:
    charges = list(invoice.charges.order_by("service_date", "id"))
    credit_by_charge: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for charge_id, amount in AccountEntry.objects.filter(
        charge__in=charges, method=PaymentMethod.PACKAGE_CREDIT
    ).values_list("charge_id", "amount"):
        credit_by_charge[charge_id] -= amount
    lines = [
        InvoiceLine(
            date=charge.service_date,
            code=charge.code + (f"-{charge.modifiers}" if charge.modifiers else ""),
            description=charge.description,
            units=charge.units,
            amount=charge.amount,
            paid_by_package=credit_by_charge[charge.pk],
        )
        for charge in charges
    ]
    for sale in invoice.package_sales.order_by("sold_at", "id"):
        lines.append(
            InvoiceLine(
                date=sale.sold_at.date(),
                code="PACKAGE",
                description=f"{sale.name} ({sale.sessions_included} sessions, valid until {sale.valid_until:%Y-%m-%d})",
                units=Decimal(1),
                amount=sale.price,
                paid_by_package=ZERO,
            )
        )
    total = sum((line.amount for line in lines), ZERO)
    package_credit = sum((line.paid_by_package for line in lines), ZERO)
    paid = -sum_of_amounts(invoice.entries.filter(kind__in=(EntryKind.PAYMENT, EntryKind.REVERSAL)))
    return InvoiceSummary(
        invoice=invoice,
        lines=lines,
        total=total,
        package_credit=package_credit,
        paid=paid,
        due=max(ZERO, total - package_credit - paid),
    )


@dataclass(frozen=True)
class Account:
    patient: Patient
    totals: AccountTotals
    lines: list[StatementLine]
    packages: list[PackageBalance]
    invoices: list[InvoiceSummary]
    currency: str  # the organisation's (billing settings)

    @property
    def balance(self) -> Decimal:
        return self.totals.balance

    @property
    def credits_left(self) -> int:
        return credits_left(self.packages)

    @property
    def receipts(self) -> list[AccountEntry]:
        """Money received, newest first (what a receipt is printed for)."""
        return [
            line.entry
            for line in reversed(self.lines)
            if line.entry.kind == EntryKind.PAYMENT and line.entry.method != PaymentMethod.PACKAGE_CREDIT
        ]


def credits_left(packages: list[PackageBalance]) -> int:
    """Prepaid sessions left on the packages that have not expired."""
    return sum(package.left for package in packages if not package.expired)


@dataclass(frozen=True)
class AccountSummary:
    """What the chart shows of an account (views/accounts.py billing_section): the balance and the packages."""

    patient: Patient
    balance: Decimal
    packages: list[PackageBalance]
    currency: str

    @property
    def credits_left(self) -> int:
        return credits_left(self.packages)


def account_summary(patient: Patient) -> AccountSummary:
    """Unchecked, for the chart, which has checked access: four reads whatever the number of entries, invoices
    and packages (account_of builds the statement and every invoice: on the chart, a query per invoice)."""
    return AccountSummary(
        patient=patient,
        balance=patient_balance(patient),
        packages=package_balances(patient),
        currency=billing_settings_of(patient.organisation).currency,
    )


def account_of(patient: Patient) -> Account:
    lines = statement_lines(patient)
    totals = account_totals(
        PlainEntry(
            kind=line.entry.kind,
            amount=line.amount,
            reverses_kind=line.entry.reverses.kind if line.entry.reverses else "",
        )
        for line in lines
    )
    invoices = [
        invoice_summary(invoice) for invoice in Invoice.objects.filter(patient=patient).order_by("-issued_at", "-id")
    ]
    return Account(
        patient=patient,
        totals=totals,
        lines=lines,
        packages=package_balances(patient),
        invoices=invoices,
        currency=billing_settings_of(patient.organisation).currency,
    )


def access_account_patient(user, patient_id: int, *, audit: bool = True) -> Patient:
    """The patient as their bill needs them (BILLING_VIEW, the user's organisation), audited as a view."""
    patient = billing_patient_by_id(user, patient_id, audit=False)
    if audit:
        record_event(user, AuditAction.VIEW, patient, patient=patient, detail={"page": "account"})
    return patient


def search_account_patients(user, query: str) -> list[Patient]:
    """The organisation's patients whose first or last name starts with `query`, or whose record number it is
    (billing staff have no chart or patient list to start from); the search is audited."""
    require_permission(user, Permission.BILLING_VIEW)
    query = query.replace("\x00", "").strip()[:SEARCH_MAX_CHARS]
    patients = list(
        Patient.objects.filter(organisation_id=user.organisation_id, merged_into__isnull=True)
        .filter(Q(last_name__istartswith=query) | Q(first_name__istartswith=query) | Q(record_number__iexact=query))
        .order_by("last_name", "first_name", "id")[:SEARCH_LIMIT]
    )
    record_event(
        user,
        AuditAction.LIST,
        object_type="patients.patient",
        detail={"query": query, "results": len(patients), "page": "billing accounts"},
    )
    return patients


def access_account(user, patient_id: int) -> Account:
    return account_of(access_account_patient(user, patient_id))


def access_invoice_by_id(user, invoice_id: int) -> Invoice:
    """One of the organisation's invoices, its reading audited as an export (it leaves as a PDF)."""
    require_permission(user, Permission.BILLING_VIEW)
    invoice = (
        Invoice.objects.select_related("patient", "organisation")
        .filter(pk=db_id_or_zero(invoice_id), organisation_id=user.organisation_id)
        .first()
    )
    if invoice is None:
        raise Http404("No such invoice")
    record_event(user, AuditAction.EXPORT, invoice, patient=invoice.patient, detail={"number": invoice.number})
    return invoice


def access_entry_by_id(user, entry_id: int, *, audit: bool = True) -> AccountEntry:
    require_permission(user, Permission.BILLING_VIEW)
    entry = (
        AccountEntry.objects.select_related("patient", "patient__organisation", "posted_by", "reverses")
        .filter(pk=db_id_or_zero(entry_id), organisation_id=user.organisation_id)
        .first()
    )
    if entry is None:
        raise Http404("No such account entry")
    if audit:
        record_event(user, AuditAction.VIEW, entry, patient=entry.patient)
    return entry


def receipt_entry(entry: AccountEntry) -> AccountEntry:
    """`entry` when a receipt can be printed for it (money received), else 404."""
    if entry.kind != EntryKind.PAYMENT or entry.method == PaymentMethod.PACKAGE_CREDIT:
        raise Http404("Receipts are printed for payments")
    return entry


def access_sale_by_id(user, sale_id: int) -> PackageSale:
    require_permission(user, Permission.BILLING_VIEW)
    sale = (
        PackageSale.objects.select_related("patient")
        .filter(pk=db_id_or_zero(sale_id), organisation_id=user.organisation_id)
        .first()
    )
    if sale is None:
        raise Http404("No such package")
    return sale


def package_offers_for(user, *, include_inactive: bool = False):
    require_permission(user, Permission.BILLING_VIEW)
    offers = PackageOffer.objects.filter(organisation_id=user.organisation_id)
    return offers if include_inactive else offers.filter(is_active=True)


# --- The portal: the signed-in patient's own account


def own_account_patient(user) -> Patient:
    require_permission(user, Permission.OWN_RECORD_VIEW)
    patient = Patient.objects.filter(user=user, merged_into__isnull=True).select_related("organisation").first()
    if patient is None:
        raise Http404("No patient record")
    return patient


def own_account(user) -> Account:
    patient = own_account_patient(user)
    record_event(user, AuditAction.VIEW, patient, patient=patient, detail={"page": "portal account"})
    return account_of(patient)


def own_invoice(user, invoice_id: int) -> Invoice:
    patient = own_account_patient(user)
    invoice = Invoice.objects.filter(pk=db_id_or_zero(invoice_id), patient=patient).select_related("patient").first()
    if invoice is None:
        raise Http404("No such invoice")
    record_event(user, AuditAction.EXPORT, invoice, patient=patient, detail={"number": invoice.number})
    return invoice


def own_receipt(user, entry_id: int) -> AccountEntry:
    patient = own_account_patient(user)
    entry = AccountEntry.objects.filter(pk=db_id_or_zero(entry_id), patient=patient).select_related("patient").first()
    if entry is None:
        raise Http404("No such receipt")
    record_event(user, AuditAction.EXPORT, entry, patient=patient, detail={"receipt": True})
    return receipt_entry(entry)


# --- Payments per day and per method


@dataclass(frozen=True)
class PaymentsRow:
    day: dt.date
    method: str
    method_label: str
    count: int
    received: Decimal  # payments, net of payments reversed that day
    refunded: Decimal  # refunds paid out, net of refunds reversed that day

    @property
    def net(self) -> Decimal:
        return self.received - self.refunded


@dataclass(frozen=True)
class PaymentsReport:
    date_from: dt.date
    date_to: dt.date
    zone: str
    currency: str
    rows: list[PaymentsRow]

    def total(self, *, money_only: bool = True) -> Decimal:
        """Net money in (package credit is not money: left out unless money_only=False)."""
        return sum((row.net for row in self.rows if not money_only or row.method != PaymentMethod.PACKAGE_CREDIT), ZERO)

    def money_total_text(self) -> str:
        return format_money(self.total(), self.currency)


def payments_report(user, *, date_from: dt.date, date_to: dt.date, zone: zoneinfo.ZoneInfo) -> PaymentsReport:
    """Payments and refunds of the organisation per day (in `zone`) and per method, audited as a list. A
    reversal counts on its own day, against the method of what it reverses."""
    require_permission(user, Permission.BILLING_VIEW)
    if date_from > date_to:
        raise ValidationError({"date_to": "The end is before the start."})
    if (date_to - date_from).days >= REPORT_MAX_DAYS:
        raise ValidationError({"date_to": f"A report covers at most {REPORT_MAX_DAYS} days."})
    start = dt.datetime.combine(date_from, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    entries = AccountEntry.objects.filter(
        organisation_id=user.organisation_id, posted_at__gte=start, posted_at__lt=end
    ).select_related("reverses")
    sums: dict[tuple[dt.date, str], dict[str, Decimal | int]] = {}
    currency = "USD"
    for entry in entries:
        kind = entry.reverses.kind if entry.kind == EntryKind.REVERSAL and entry.reverses else entry.kind
        if kind not in (EntryKind.PAYMENT, EntryKind.REFUND):
            continue
        currency = entry.currency
        key = (entry.posted_at.astimezone(zone).date(), entry.method or PaymentMethod.OTHER)
        cell = sums.setdefault(key, {"count": 0, "received": ZERO, "refunded": ZERO})
        if kind == EntryKind.PAYMENT:
            cell["received"] -= entry.amount  # payments are stored negative
            cell["count"] += 1 if entry.kind == EntryKind.PAYMENT else -1
        else:
            cell["refunded"] += entry.amount
    labels = dict(PaymentMethod.choices)
    rows = [
        PaymentsRow(
            day=day,
            method=method,
            method_label=labels.get(method, method),
            count=int(cell["count"]),
            received=Decimal(cell["received"]),
            refunded=Decimal(cell["refunded"]),
        )
        for (day, method), cell in sorted(sums.items())
    ]
    record_event(
        user,
        AuditAction.LIST,
        object_type="billing.paymentsreport",
        detail={"from": date_from, "to": date_to, "zone": str(zone), "rows": len(rows)},
    )
    return PaymentsReport(date_from=date_from, date_to=date_to, zone=str(zone), currency=currency, rows=rows)
