"""The patient's account in plain arithmetic: what the entries add up to, and the numbers money rows carry.

An account is a list of signed entries (billing.models.AccountEntry): positive raises what the patient owes
(a charge, a package sold, a refund paid out), negative lowers it (a payment, a write-off). The balance is
their sum. A reversal is the negation of one earlier entry and counts in that entry's column, so each column
stays the net of what happened: charges − payments − adjustments = balance, whatever was corrected.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from ketacare.billing.domain.money import to_cents

ZERO = Decimal("0.00")

# Entry kinds by column (the values of billing.models.EntryKind).
CHARGE_KINDS = frozenset({"charge", "package_sale"})
PAYMENT_KINDS = frozenset({"payment", "refund"})  # a refund is money given back: it lowers net payments
ADJUSTMENT_KINDS = frozenset({"write_off", "adjustment"})
REVERSAL = "reversal"

INVOICE_PREFIX = "INV-"
INVOICE_DIGITS = 6


@dataclass(frozen=True)
class PlainEntry:
    """One account entry: its kind, signed amount, and for a reversal the kind of the entry it reverses."""

    kind: str
    amount: Decimal
    reverses_kind: str = ""


@dataclass(frozen=True)
class AccountTotals:
    """Each column as the patient reads it (charges and payments as positive sums) and the balance."""

    charges: Decimal  # services and packages billed, net of reversals
    payments: Decimal  # money and package credit received, net of refunds and reversals
    adjustments: Decimal  # write-offs and adjustments that lowered what is owed, net
    balance: Decimal  # Σ amount: > 0 the patient owes, < 0 the account holds a credit

    @property
    def reconciles(self) -> bool:
        return self.charges - self.payments - self.adjustments == self.balance


def column_of(entry: PlainEntry) -> str:
    """ "charges", "payments" or "adjustments": where an entry (a reversal: the entry it reverses) counts."""
    kind = entry.reverses_kind if entry.kind == REVERSAL else entry.kind
    if kind in CHARGE_KINDS:
        return "charges"
    if kind in PAYMENT_KINDS:
        return "payments"
    if kind in ADJUSTMENT_KINDS:
        return "adjustments"
    raise ValueError(f"{entry.kind!r} entry of unknown column (reverses {entry.reverses_kind!r})")


def account_totals(entries: Iterable[PlainEntry]) -> AccountTotals:
    sums = {"charges": ZERO, "payments": ZERO, "adjustments": ZERO}
    balance = ZERO
    for entry in entries:
        sums[column_of(entry)] += entry.amount
        balance += entry.amount
    # Payments and adjustments are stored negative (they lower the balance); shown as the amounts received.
    return AccountTotals(
        charges=sums["charges"], payments=-sums["payments"], adjustments=-sums["adjustments"], balance=balance
    )


def invoice_number(sequence: int) -> str:
    """The organisation's `sequence`-th invoice: INV-000001."""
    if sequence < 1:
        raise ValueError("Invoice sequences start at 1")
    return f"{INVOICE_PREFIX}{sequence:0{INVOICE_DIGITS}d}"


def invoice_sequence(number: str) -> int:
    """The sequence an invoice number carries (0 for a number in another format)."""
    digits = number.removeprefix(INVOICE_PREFIX)
    return int(digits) if number.startswith(INVOICE_PREFIX) and digits.isdigit() else 0


def unused_sessions_value(price: Decimal, sessions_included: int, sessions_unused: int) -> Decimal:
    """A package's unused sessions at its price per session, to the cent: the prorated refund policy."""
    if sessions_included < 1 or not 0 <= sessions_unused <= sessions_included:
        raise ValueError("Unused sessions are between none and all of the package")
    if sessions_unused == sessions_included:
        return to_cents(price)  # all of it, with no cent lost to rounding
    return to_cents(price * sessions_unused / sessions_included)


def reversal_refusal(*, kind: str, method: str, from_package: bool, already_reversed: bool) -> str:
    """Why an entry is corrected some other way than a reversal ("" when a reversal is the way): a reversal
    cancels a payment, refund, write-off or adjustment recorded in error; a charge is voided (which reverses it
    and returns its package credit), a package closed by refunding its unused sessions."""
    if kind == REVERSAL:
        return "A reversal is not reversed: record the entry again."
    if kind == "charge":
        return "Void the charge instead: that reverses it and returns any package credit."
    if method == "package_credit":
        return "Void the charge this credit paid: the credit then returns to the package."
    if kind == "package_sale" or from_package:
        return "Package sales are closed by refunding their unused sessions."
    if already_reversed:
        return "This entry is already reversed."
    return ""
