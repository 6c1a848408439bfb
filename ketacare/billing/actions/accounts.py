"""The patient's account: payments, refunds, write-offs, adjustments, reversals, and self-pay invoices.

Every money movement is one append-only AccountEntry (the database refuses UPDATE and DELETE, billing/guard.py);
a correction is a new row, a reversal the negation of one earlier row. The patient's row is locked while an
entry is posted, so rules that read the balance (a write-off never forgives more than is owed, a refund
never pays out more than the account holds in credit) hold under concurrent posts.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.billing.actions.money_input import clean_amount, clean_choice
from ketacare.billing.domain.accounts import invoice_number, invoice_sequence, reversal_refusal
from ketacare.billing.models import (
    AccountEntry,
    Charge,
    ChargeStatus,
    ClaimLine,
    EntryKind,
    Invoice,
    PackageSale,
    PaymentMethod,
)
from ketacare.billing.selectors.accounts import patient_balance
from ketacare.billing.selectors.fees import billing_settings_of
from ketacare.billing.selectors.insurance import patient_today, primary_coverage
from ketacare.clinics.models import Organisation
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_reason, clean_text
from ketacare.patients.models import Patient

# What staff record as received (package credit is posted when a charge it pays is finalised).
PAYMENT_METHODS = (
    PaymentMethod.CASH,
    PaymentMethod.CHECK,
    PaymentMethod.CARD_TERMINAL,
    PaymentMethod.INSURANCE,
    PaymentMethod.OTHER,
)
REFUND_METHODS = (PaymentMethod.CASH, PaymentMethod.CHECK, PaymentMethod.CARD_TERMINAL, PaymentMethod.OTHER)
# A check is known by its number, a card payment on the external terminal by the terminal's reference.
REFERENCE_REQUIRED = (PaymentMethod.CHECK, PaymentMethod.CARD_TERMINAL)
# The furthest an invoice's due date may lie (and the longest terms billing settings may give,
# BillingSettings.invoice_due_days, which is used when no date is given).
MAX_DUE_DAYS = 365
REASON_MAX_CHARS = 300


def locked_account_patient(actor, patient_id: int) -> Patient:
    """The patient of the actor's organisation, row-locked until the transaction ends (404 otherwise)."""
    patient = (
        Patient.objects.select_for_update()
        .filter(pk=db_id_or_zero(patient_id), organisation_id=actor.organisation_id, merged_into__isnull=True)
        .first()
    )
    if patient is None:
        raise Http404("No such patient")
    return patient


def refundable_credit(patient: Patient) -> Decimal:
    """What the account holds in the patient's favour (a negative balance), else zero."""
    return max(Decimal("0.00"), -patient_balance(patient))


def post_entry(
    actor,
    patient: Patient,
    *,
    kind: str,
    amount: Decimal,
    currency: str = "",
    charge: Charge | None = None,
    package_sale: PackageSale | None = None,
    invoice: Invoice | None = None,
    method: str = "",
    reference: str = "",
    reason: str = "",
    reverses: AccountEntry | None = None,
) -> AccountEntry:
    """Append one entry and its audit entry. Call inside the action's transaction, the patient's row locked."""
    entry = AccountEntry.objects.create(
        organisation_id=patient.organisation_id,
        patient=patient,
        kind=kind,
        amount=amount,
        currency=currency or billing_settings_of(patient.organisation).currency,
        charge=charge,
        package_sale=package_sale,
        invoice=invoice,
        method=method,
        reference=reference,
        reason=reason,
        reverses=reverses,
        posted_at=timezone.now(),
        posted_by=actor,
    )
    detail = {"kind": kind, "amount": str(amount), "currency": entry.currency}
    detail |= {
        name: value for name, value in (("method", method), ("reference", reference), ("reason", reason)) if value
    }
    if reverses is not None:
        detail["reverses"] = reverses.pk
    record_event(actor, AuditAction.CREATE, entry, patient=patient, detail=detail)
    return entry


def _patient_invoice(patient: Patient, invoice_id) -> Invoice | None:
    if invoice_id in (None, ""):
        return None
    invoice = Invoice.objects.filter(pk=db_id_or_zero(invoice_id), patient=patient).first()
    if invoice is None:
        raise ValidationError({"invoice_id": "Choose one of this patient's invoices."})
    return invoice


@transaction.atomic
def do_record_payment(
    actor, patient_id: int, *, amount, method: str, reference: str = "", invoice_id: int | None = None
) -> AccountEntry:
    """Money received (all or part of what is owed; more leaves a credit on the account)."""
    require_permission(actor, Permission.PAYMENTS_RECORD)
    patient = locked_account_patient(actor, patient_id)
    amount = clean_amount("amount", amount)
    method = clean_choice("method", method, PAYMENT_METHODS)
    reference = clean_text("reference", reference, required=method in REFERENCE_REQUIRED, max_chars=80)
    invoice = _patient_invoice(patient, invoice_id)
    return post_entry(
        actor, patient, kind=EntryKind.PAYMENT, amount=-amount, method=method, reference=reference, invoice=invoice
    )


@transaction.atomic
def do_refund(actor, patient_id: int, *, amount, method: str, reason: str, reference: str = "") -> AccountEntry:
    """Money given back, at most the credit the account holds (to give back a payment for a service, first
    void its charge or adjust the account)."""
    require_permission(actor, Permission.PAYMENTS_ADJUST)
    patient = locked_account_patient(actor, patient_id)
    amount = clean_amount("amount", amount)
    method = clean_choice("method", method, REFUND_METHODS)
    reason = clean_reason(reason, max_chars=REASON_MAX_CHARS)
    reference = clean_text("reference", reference, max_chars=80)
    credit = refundable_credit(patient)
    if amount > credit:
        raise ValidationError({"amount": f"The account holds {credit} in credit; refund at most that."})
    return post_entry(
        actor, patient, kind=EntryKind.REFUND, amount=amount, method=method, reference=reference, reason=reason
    )


@transaction.atomic
def do_write_off(actor, patient_id: int, *, amount, reason: str) -> AccountEntry:
    """Forgive part or all of what the patient owes (hardship, small balance, bad debt), with the reason."""
    require_permission(actor, Permission.PAYMENTS_ADJUST)
    patient = locked_account_patient(actor, patient_id)
    amount = clean_amount("amount", amount)
    reason = clean_reason(reason, max_chars=REASON_MAX_CHARS)
    owed = patient_balance(patient)
    if amount > owed:
        raise ValidationError({"amount": f"The patient owes {max(owed, Decimal('0.00'))}; write off at most that."})
    return post_entry(actor, patient, kind=EntryKind.WRITE_OFF, amount=-amount, reason=reason)


@transaction.atomic
def do_adjust(actor, patient_id: int, *, amount, reason: str) -> AccountEntry:
    """A correction with a reason: positive raises what is owed, negative lowers it."""
    require_permission(actor, Permission.PAYMENTS_ADJUST)
    patient = locked_account_patient(actor, patient_id)
    amount = clean_amount("amount", amount, signed=True)
    reason = clean_reason(reason, max_chars=REASON_MAX_CHARS)
    return post_entry(actor, patient, kind=EntryKind.ADJUSTMENT, amount=amount, reason=reason)


@transaction.atomic
def do_reverse_entry(actor, entry_id: int, *, reason: str) -> AccountEntry:
    """Cancel one payment, refund, write-off or adjustment recorded in error: a new entry of the opposite amount."""
    require_permission(actor, Permission.PAYMENTS_ADJUST)
    found = AccountEntry.objects.filter(pk=db_id_or_zero(entry_id), organisation_id=actor.organisation_id).first()
    if found is None:
        raise Http404("No such account entry")
    patient = locked_account_patient(actor, found.patient_id)
    entry = AccountEntry.objects.get(pk=found.pk)
    reason = clean_reason(reason, max_chars=REASON_MAX_CHARS)
    refusal = reversal_refusal(
        kind=entry.kind,
        method=entry.method,
        from_package=entry.package_sale_id is not None,
        already_reversed=AccountEntry.objects.filter(reverses=entry).exists(),
    )
    if refusal:
        raise ValidationError({"entry": refusal})
    return post_entry(
        actor,
        patient,
        kind=EntryKind.REVERSAL,
        amount=-entry.amount,
        currency=entry.currency,
        charge=entry.charge,
        invoice=entry.invoice,
        method=entry.method,
        reason=reason,
        reverses=entry,
    )


def uninvoiced_items(patient: Patient) -> tuple[list[Charge], list[PackageSale]]:
    """The patient's final self-pay charges and package sales on no invoice yet. A charge billed to insurance
    (on a claim not withdrawn, or of a day the patient had primary coverage) goes on a claim, not a self-pay
    invoice."""
    on_a_claim = ClaimLine.objects.holding_charges().filter(charge=OuterRef("pk"))
    charges = [
        charge
        for charge in Charge.objects.filter(patient=patient, status=ChargeStatus.FINAL, invoices__isnull=True)
        .exclude(Exists(on_a_claim))
        .order_by("service_date", "id")
        if primary_coverage(patient, charge.service_date) is None
    ]
    sales = list(PackageSale.objects.filter(patient=patient, invoices__isnull=True).order_by("sold_at", "id"))
    return charges, sales


def _next_invoice_number(organisation_id: int) -> str:
    # The organisation's row lock makes numbering one at a time: no two invoices share a number.
    Organisation.objects.select_for_update().filter(pk=organisation_id).first()
    latest = Invoice.objects.filter(organisation_id=organisation_id).order_by("-id").values_list("number", flat=True)
    return invoice_number(invoice_sequence(latest.first() or "") + 1)


@transaction.atomic
def do_issue_invoice(actor, patient_id: int, *, due_date: dt.date | None = None) -> Invoice:
    """An invoice of everything billed to the patient (self-pay) since the last one, numbered per organisation."""
    require_permission(actor, Permission.PAYMENTS_RECORD)
    patient = locked_account_patient(actor, patient_id)
    today = patient_today(patient)
    settings = billing_settings_of(patient.organisation)
    if due_date is None:
        due_date = today + dt.timedelta(days=settings.invoice_due_days)
    if not isinstance(due_date, dt.date) or isinstance(due_date, dt.datetime):
        raise ValidationError({"due_date": "Give a date."})
    if not today <= due_date <= today + dt.timedelta(days=MAX_DUE_DAYS):
        raise ValidationError({"due_date": f"Give a date from today to {MAX_DUE_DAYS} days ahead."})
    charges, sales = uninvoiced_items(patient)
    if not charges and not sales:
        raise ValidationError({"invoice": "Nothing to invoice: every final self-pay charge and package is invoiced."})
    invoice = Invoice.objects.create(
        organisation_id=patient.organisation_id,
        patient=patient,
        number=_next_invoice_number(patient.organisation_id),
        currency=settings.currency,
        issued_at=timezone.now(),
        issued_by=actor,
        due_date=due_date,
    )
    invoice.charges.set(charges)
    invoice.package_sales.set(sales)
    record_event(
        actor,
        AuditAction.CREATE,
        invoice,
        patient=patient,
        detail={
            "number": invoice.number,
            "charges": [charge.pk for charge in charges],
            "package_sales": [sale.pk for sale in sales],
            "due_date": due_date,
        },
    )
    return invoice
