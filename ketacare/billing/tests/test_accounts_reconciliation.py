"""Property (issue 18, "done when"): for random sequences of charges (some paid by package credit, some voided),
payments, refunds, write-offs, adjustments and reversals, the account always reconciles:
Σ charges − Σ payments − Σ adjustments = balance = Σ entries, each column equals an independent tally of what
the actions accepted, and each action refused by its rule (a refund beyond the credit, a write-off beyond what
is owed, a reversal of what is corrected another way) changes nothing."""

import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketacare.billing.actions import accounts as actions
from ketacare.billing.actions.charges import do_finalise_charge, do_void_charge
from ketacare.billing.actions.packages import apply_package_credit, do_sell_package
from ketacare.billing.models import AccountEntry, ChargeTrigger
from ketacare.billing.selectors.accounts import account_totals_of, patient_balance, statement_lines

ZERO = Decimal("0.00")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("900.00"), places=2)
steps = st.one_of(
    st.tuples(st.just("charge"), amounts),
    st.tuples(st.just("package_session"), amounts),
    st.tuples(st.just("sell_package"), st.just(ZERO)),
    st.tuples(st.just("void"), st.integers(0, 20)),
    st.tuples(st.just("pay"), amounts),
    st.tuples(st.just("refund"), amounts),
    st.tuples(st.just("write_off"), amounts),
    st.tuples(st.just("adjust"), amounts, st.booleans()),
    st.tuples(st.just("reverse"), st.integers(0, 40)),
)
PACKAGE_PRICE = Decimal("300.00")
_patients = itertools.count(100)


class Tally:
    """What the account must say, kept apart from the code under test."""

    def __init__(self):
        self.columns = {"charges": ZERO, "payments": ZERO, "adjustments": ZERO}
        self.credits_left = 0
        self.charges: list[tuple[int, Decimal, bool]] = []  # (charge id, amount, paid by credit), final ones
        # Entries a reversal may take back: id → (column, effect on that column as the patient reads it).
        self.reversible: dict[int, tuple[str, Decimal]] = {}

    @property
    def balance(self) -> Decimal:
        return self.columns["charges"] - self.columns["payments"] - self.columns["adjustments"]

    def add(self, column: str, amount: Decimal, entry_id: int | None = None) -> None:
        self.columns[column] += amount
        if entry_id is not None:
            self.reversible[entry_id] = (column, amount)


def _apply(step, patient, staff, offer, tally: Tally, make_draft_charge) -> None:
    billing, desk = staff["billing"], staff["front_desk"]
    kind, value = step[0], step[1]
    if kind in ("charge", "package_session"):
        trigger = ChargeTrigger.SESSION_IM if kind == "package_session" else ChargeTrigger.CONSULTATION
        charge = make_draft_charge(patient, billing, amount=value, trigger=trigger)
        drawn = apply_package_credit(staff["prescriber"], charge) is not None
        assert drawn == (kind == "package_session" and tally.credits_left > 0)
        do_finalise_charge(billing, charge.pk)
        tally.add("charges", value)
        if drawn:
            tally.credits_left -= 1
            tally.add("payments", value)
        tally.charges.append((charge.pk, value, drawn))
    elif kind == "sell_package":
        do_sell_package(desk, patient.pk, offer_id=offer.pk)
        tally.add("charges", PACKAGE_PRICE)
        tally.credits_left += offer.sessions_included
    elif kind == "void":
        if not tally.charges:
            return
        charge_id, amount, drawn = tally.charges.pop(value % len(tally.charges))
        do_void_charge(billing, charge_id, "Entered in error")
        tally.add("charges", -amount)
        if drawn:
            tally.add("payments", -amount)
            tally.credits_left += 1
    elif kind == "pay":
        entry = actions.do_record_payment(desk, patient.pk, amount=value, method="card_terminal", reference="T-1")
        tally.add("payments", value, entry.pk)
    elif kind == "refund":
        if value > max(ZERO, -tally.balance):
            return _assert_refused(actions.do_refund, billing, patient.pk, amount=value, method="cash", reason="r")
        entry = actions.do_refund(billing, patient.pk, amount=value, method="cash", reason="Overpaid")
        tally.add("payments", -value, entry.pk)
    elif kind == "write_off":
        if value > tally.balance:
            return _assert_refused(actions.do_write_off, billing, patient.pk, amount=value, reason="r")
        entry = actions.do_write_off(billing, patient.pk, amount=value, reason="Hardship")
        tally.add("adjustments", value, entry.pk)
    elif kind == "adjust":
        signed = value if step[2] else -value
        entry = actions.do_adjust(billing, patient.pk, amount=signed, reason="Correction")
        tally.add("adjustments", -signed, entry.pk)
    elif kind == "reverse":
        entries = list(AccountEntry.objects.filter(patient=patient).order_by("id"))
        if not entries:
            return
        entry = entries[value % len(entries)]
        if entry.pk not in tally.reversible:
            return _assert_refused(actions.do_reverse_entry, billing, entry.pk, reason="r")
        actions.do_reverse_entry(billing, entry.pk, reason="Recorded in error")
        column, effect = tally.reversible.pop(entry.pk)
        tally.add(column, -effect)


def _assert_refused(action, *args, **kwargs) -> None:
    before = AccountEntry.objects.count()
    with pytest.raises(ValidationError):
        action(*args, **kwargs)
    assert AccountEntry.objects.count() == before


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(steps, min_size=1, max_size=12))
def test_account_reconciles_for_any_sequence(sequence, org, staff, make_patient, make_package_offer, make_draft_charge):
    # Each example has its own patient (the database is the test's, shared by the examples).
    patient = make_patient(org, next(_patients))
    offer = make_package_offer(
        org, name=f"IM pair {patient.pk}", covers_trigger=ChargeTrigger.SESSION_IM, sessions=2, price=PACKAGE_PRICE
    )
    tally = Tally()
    for step in sequence:
        _apply(step, patient, staff, offer, tally, make_draft_charge)
        totals = account_totals_of(patient)
        assert (totals.charges, totals.payments, totals.adjustments) == (
            tally.columns["charges"],
            tally.columns["payments"],
            tally.columns["adjustments"],
        ), step
        assert totals.charges - totals.payments - totals.adjustments == totals.balance == tally.balance
        assert patient_balance(patient) == tally.balance
    lines = statement_lines(patient)
    assert (lines[-1].balance_after if lines else ZERO) == tally.balance
