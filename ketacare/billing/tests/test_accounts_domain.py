"""The account's arithmetic (billing/domain/accounts.py): columns, reversals, invoice numbers, prorated refunds."""

from decimal import Decimal

import pytest

from ketacare.billing.domain.accounts import (
    PlainEntry,
    account_totals,
    invoice_number,
    invoice_sequence,
    reversal_refusal,
    unused_sessions_value,
)


def test_a_reversal_counts_in_the_column_of_what_it_reverses():
    entries = [
        PlainEntry("charge", Decimal("495.00")),
        PlainEntry("payment", Decimal("-495.00")),
        PlainEntry("reversal", Decimal("495.00"), reverses_kind="payment"),  # the check bounced
        PlainEntry("write_off", Decimal("-45.00")),
        PlainEntry("refund", Decimal("10.00")),
        PlainEntry("adjustment", Decimal("5.00")),
    ]
    totals = account_totals(entries)
    assert (totals.charges, totals.payments, totals.adjustments, totals.balance) == (
        Decimal("495.00"),
        Decimal("-10.00"),
        Decimal("40.00"),
        Decimal("465.00"),
    )
    assert totals.reconciles
    with pytest.raises(ValueError):
        account_totals([PlainEntry("reversal", Decimal("1.00"))])


def test_invoice_numbers():
    assert invoice_number(1) == "INV-000001" and invoice_sequence("INV-000042") == 42
    assert invoice_sequence("2026-7") == 0
    with pytest.raises(ValueError):
        invoice_number(0)


@pytest.mark.parametrize(
    ("price", "included", "unused", "value"),
    [("2700.00", 6, 2, "900.00"), ("100.00", 3, 1, "33.33"), ("100.00", 3, 2, "66.67"), ("100.00", 3, 3, "100.00")],
)
def test_unused_sessions_are_worth_the_price_per_session_to_the_cent(price, included, unused, value):
    assert unused_sessions_value(Decimal(price), included, unused) == Decimal(value)


def test_what_a_reversal_may_correct():
    assert reversal_refusal(kind="payment", method="cash", from_package=False, already_reversed=False) == ""
    assert "Void the charge" in reversal_refusal(kind="charge", method="", from_package=False, already_reversed=False)
    assert "Void the charge" in reversal_refusal(
        kind="payment", method="package_credit", from_package=False, already_reversed=False
    )
    assert "unused sessions" in reversal_refusal(
        kind="adjustment", method="", from_package=True, already_reversed=False
    )
    assert "already" in reversal_refusal(kind="write_off", method="", from_package=False, already_reversed=True)
