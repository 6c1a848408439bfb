"""The patient's account: payments (partial, with references), refunds from credit only, write-offs of what is
owed only, adjustments and reversals with reasons, invoices numbered per organisation; every refusal names
its field and changes nothing; the database refuses to rewrite an entry."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.http import Http404

from ketacare.audit.models import AuditEntry
from ketacare.billing.actions import accounts as actions
from ketacare.billing.actions.charges import do_finalise_charge
from ketacare.billing.actions.fees import do_update_billing_settings
from ketacare.billing.actions.packages import do_sell_package
from ketacare.billing.models import AccountEntry, BillingSettings, EntryKind
from ketacare.billing.selectors.accounts import account_totals_of, invoice_summary, patient_balance, statement_lines
from ketacare.billing.selectors.insurance import patient_today


@pytest.fixture
def owing(staff, patient, make_draft_charge):
    """The patient owes 495.00 for one final self-pay charge."""
    charge = make_draft_charge(patient, staff["billing"], amount="495.00")
    do_finalise_charge(staff["billing"], charge.pk)
    return charge


def _refused(field, action, *args, **kwargs):
    before = AccountEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        action(*args, **kwargs)
    assert field in caught.value.message_dict, caught.value.message_dict
    assert AccountEntry.objects.count() == before


def test_partial_payments_lower_the_balance_and_are_audited(staff, patient, owing):
    desk = staff["front_desk"]
    cash = actions.do_record_payment(desk, patient.pk, amount="95.00", method="cash")
    card = actions.do_record_payment(desk, patient.pk, amount=Decimal("100"), method="card_terminal", reference="T-88")
    assert (cash.amount, card.amount, card.reference) == (Decimal("-95.00"), Decimal("-100.00"), "T-88")
    assert patient_balance(patient) == Decimal("300.00")
    assert AuditEntry.objects.filter(object_type="billing.accountentry", object_id=str(card.pk)).exists()
    assert [line.balance_after for line in statement_lines(patient)] == [Decimal(v) for v in ("495", "400", "300")]


def test_bad_payments_name_the_field_and_change_nothing(staff, patient, owing):
    desk = staff["front_desk"]
    _refused("amount", actions.do_record_payment, desk, patient.pk, amount="-5", method="cash")
    _refused("amount", actions.do_record_payment, desk, patient.pk, amount="abc", method="cash")
    _refused("amount", actions.do_record_payment, desk, patient.pk, amount="1.005", method="cash")
    _refused("amount", actions.do_record_payment, desk, patient.pk, amount="2000000", method="cash")
    _refused("method", actions.do_record_payment, desk, patient.pk, amount="5", method="package_credit")
    _refused("reference", actions.do_record_payment, desk, patient.pk, amount="5", method="card_terminal")
    _refused("reference", actions.do_record_payment, desk, patient.pk, amount="5", method="check", reference="  ")
    _refused("invoice_id", actions.do_record_payment, desk, patient.pk, amount="5", method="cash", invoice_id=10**6)
    with pytest.raises(PermissionDenied):
        actions.do_record_payment(staff["nurse"], patient.pk, amount="5", method="cash")


def test_another_organisation_cannot_post_to_the_account(other_staff, patient, owing):
    with pytest.raises(Http404):
        actions.do_record_payment(other_staff["front_desk"], patient.pk, amount="5", method="cash")
    with pytest.raises(Http404):
        actions.do_reverse_entry(other_staff["billing"], owing.entries.get().pk, reason="x")


def test_refund_only_from_credit_and_write_off_only_what_is_owed(staff, patient, owing):
    billing = staff["billing"]
    _refused("amount", actions.do_refund, billing, patient.pk, amount="1", method="cash", reason="Overpaid")
    _refused("amount", actions.do_write_off, billing, patient.pk, amount="495.01", reason="Hardship")
    _refused("reason", actions.do_write_off, billing, patient.pk, amount="5", reason=" ")
    with pytest.raises(PermissionDenied):
        actions.do_write_off(staff["front_desk"], patient.pk, amount="5", reason="Hardship")
    actions.do_write_off(billing, patient.pk, amount="95.00", reason="Hardship")
    actions.do_record_payment(staff["front_desk"], patient.pk, amount="450.00", method="cash")
    assert patient_balance(patient) == Decimal("-50.00")
    _refused("amount", actions.do_refund, billing, patient.pk, amount="50.01", method="cash", reason="Overpaid")
    actions.do_refund(billing, patient.pk, amount="50.00", method="cash", reason="Overpaid")
    assert patient_balance(patient) == Decimal("0.00")
    totals = account_totals_of(patient)
    assert (totals.charges, totals.payments, totals.adjustments) == (
        Decimal("495.00"),
        Decimal("400.00"),
        Decimal("95.00"),
    )
    assert totals.reconciles


def test_adjustments_are_signed_and_reversals_undo_one_entry_once(staff, patient, owing):
    billing = staff["billing"]
    _refused("amount", actions.do_adjust, billing, patient.pk, amount="0", reason="Nothing")
    raised = actions.do_adjust(billing, patient.pk, amount="10.00", reason="Late fee")
    lowered = actions.do_adjust(billing, patient.pk, amount="-25.00", reason="Courtesy")
    assert patient_balance(patient) == Decimal("480.00")
    payment = actions.do_record_payment(staff["front_desk"], patient.pk, amount="80", method="check", reference="1001")
    reversal = actions.do_reverse_entry(billing, payment.pk, reason="Check bounced")
    assert (reversal.kind, reversal.amount, reversal.reverses_id) == (EntryKind.REVERSAL, Decimal("80.00"), payment.pk)
    assert patient_balance(patient) == Decimal("480.00")
    _refused("entry", actions.do_reverse_entry, billing, payment.pk, reason="Twice")
    _refused("entry", actions.do_reverse_entry, billing, reversal.pk, reason="Undo the undo")
    _refused("entry", actions.do_reverse_entry, billing, owing.entries.get(kind=EntryKind.CHARGE).pk, reason="x")
    _refused("reason", actions.do_reverse_entry, billing, raised.pk, reason="")
    actions.do_reverse_entry(billing, lowered.pk, reason="Courtesy not approved")
    totals = account_totals_of(patient)
    assert totals.balance == Decimal("505.00") and totals.adjustments == Decimal("-10.00") and totals.reconciles
    assert [line.reversed for line in statement_lines(patient)] == [False, False, True, True, False, False]


def test_invoice_lists_what_is_not_invoiced_and_numbers_run_per_organisation(
    staff, other_staff, patient, other_org_patient, owing, org, make_package_offer, make_draft_charge
):
    desk = staff["front_desk"]
    sale = do_sell_package(desk, patient.pk, offer_id=make_package_offer(org, sessions=2, price="900.00").pk)
    draft = make_draft_charge(patient, staff["billing"], amount="10.00")  # a draft is not billed yet
    first = actions.do_issue_invoice(desk, patient.pk)
    assert first.number == "INV-000001"
    assert list(first.charges.all()) == [owing] and list(first.package_sales.all()) == [sale]
    assert first.due_date == patient_today(patient) + dt.timedelta(days=30)
    _refused("invoice", actions.do_issue_invoice, desk, patient.pk)
    do_finalise_charge(staff["billing"], draft.pk)
    actions.do_record_payment(desk, patient.pk, amount="395.00", method="cash", invoice_id=first.pk)
    summary = invoice_summary(first)
    assert (summary.total, summary.paid, summary.due) == (Decimal("1395.00"), Decimal("395.00"), Decimal("1000.00"))
    second = actions.do_issue_invoice(desk, patient.pk, due_date=patient_today(patient) + dt.timedelta(days=7))
    assert second.number == "INV-000002" and list(second.charges.all()) == [draft]
    # Another organisation numbers its own invoices from 1.
    other_charge = make_draft_charge(other_org_patient, other_staff["billing"], amount="50.00")
    do_finalise_charge(other_staff["billing"], other_charge.pk)
    assert actions.do_issue_invoice(other_staff["front_desk"], other_org_patient.pk).number == "INV-000001"
    with pytest.raises(ValidationError) as caught:
        actions.do_issue_invoice(desk, patient.pk, due_date=patient_today(patient) - dt.timedelta(days=1))
    assert "due_date" in caught.value.message_dict


def test_invoice_due_date_follows_the_clinics_terms(staff, patient, owing, make_draft_charge, signed_in):
    do_update_billing_settings(staff["billing"], invoice_due_days=14)
    first = actions.do_issue_invoice(staff["front_desk"], patient.pk)
    assert first.due_date == patient_today(patient) + dt.timedelta(days=14)
    for bad in (-1, 366, "30", True, 7.5):
        with pytest.raises(ValidationError) as caught:
            do_update_billing_settings(staff["billing"], invoice_due_days=bad, billing_name="Not saved")
        assert "invoice_due_days" in caught.value.message_dict
    settings = BillingSettings.objects.get()
    assert (settings.invoice_due_days, settings.billing_name) == (14, "")
    response = signed_in(staff["billing"]).patch(
        "/api/v1/billing/fees/settings", {"invoice_due_days": 0}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["invoice_due_days"] == 0
    do_finalise_charge(staff["billing"], make_draft_charge(patient, staff["billing"], amount="20.00").pk)
    assert actions.do_issue_invoice(staff["front_desk"], patient.pk).due_date == patient_today(patient)  # on receipt


def test_database_refuses_update_and_delete_of_account_entries(staff, patient, owing):
    """Append-only in the database itself (billing/guard.py, migration 0002), on SQLite and PostgreSQL."""
    payment = actions.do_record_payment(staff["front_desk"], patient.pk, amount="95.00", method="cash")
    for statement in (
        "UPDATE billing_accountentry SET amount = 0.01 WHERE id = %s",
        "DELETE FROM billing_accountentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [payment.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccountEntry.objects.filter(pk=payment.pk).update(amount=Decimal("-1.00"))
    assert AccountEntry.objects.get(pk=payment.pk).amount == Decimal("-95.00")
    assert patient_balance(patient) == Decimal("400.00")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_postgresql_refuses_truncate_of_account_entries(staff, patient, owing):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE billing_accountentry CASCADE")
    assert AccountEntry.objects.filter(patient=patient).count() == 1
