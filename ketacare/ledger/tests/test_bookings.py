"""Receipts, transfers, counts and their resolution, disposal, theft/loss deadlines."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ketacare.ledger import actions
from ketacare.ledger.domain.deadlines import (
    add_business_days,
    deadline_state,
    report_deadlines,
)
from ketacare.ledger.domain.quantities import volume_ml_for
from ketacare.ledger.models import LedgerEntry, Vial
from ketacare.ledger.selectors import (
    location_today,
    open_discrepancies,
    product_balances,
    theft_loss_dashboard,
)


def test_receipt_creates_one_item_per_container_with_supplier(staff, portland, products, receive):
    entries = receive(staff["nurse"], portland, products[0], count=3, lot="A7")
    assert [e.vial.identifier for e in entries] == ["A7-1", "A7-2", "A7-3"]
    assert {e.counterparty_dea_number for e in entries} == {"RA1234563"}
    assert all(e.quantity_mg == Decimal("500") and e.volume_ml == Decimal("10.000") for e in entries)
    again = receive(staff["nurse"], portland, products[0], count=1, lot="A7")
    assert again[0].vial.identifier == "A7-4"
    [balance] = product_balances(staff["nurse"], portland)
    assert balance.balance_mg == Decimal("2000") and balance.vial_count == 4


def test_receipt_refusals_name_the_field(staff, portland, products, other_org):
    from ketacare.clinics.models import Location

    elsewhere = Location.objects.filter(organisation=other_org).first()
    base = {
        "location_id": portland.pk,
        "product_id": products[0].pk,
        "lot": "L",
        "expiry_date": dt.date.today() + dt.timedelta(days=30),
        "container_count": 1,
        "supplier_name": "S",
        "supplier_address": "A",
        "supplier_dea_number": "RA1234563",
        "invoice_number": "I",
    }
    for change, field in (
        ({"location_id": elsewhere.pk}, "location_id"),
        ({"container_count": 0}, "container_count"),
        ({"expiry_date": dt.date(2020, 1, 1)}, "expiry_date"),
        ({"supplier_name": " "}, "supplier_name"),
        ({"invoice_number": ""}, "invoice_number"),
        ({"product_id": 10**9}, "product_id"),
    ):
        with pytest.raises(ValidationError) as exc:
            actions.do_record_receipt(staff["nurse"], **{**base, **change})
        assert field in exc.value.message_dict
    assert not Vial.objects.exists()
    with pytest.raises(PermissionDenied):
        actions.do_record_receipt(staff["clinic_admin"], **base)


def test_transfer_pairs_out_and_in(staff, vial, boston):
    out, incoming = actions.do_record_transfer(staff["nurse"], vial_id=vial.pk, to_location_id=boston.pk)
    vial.refresh_from_db()
    assert out.quantity_mg == Decimal("-500") and vial.balance_mg == 0
    assert incoming.related_entry == out and incoming.location == boston and incoming.vial.balance_mg == Decimal("500")
    assert incoming.vial.lot == vial.lot
    with pytest.raises(ValidationError) as exc:
        actions.do_record_transfer(staff["nurse"], vial_id=incoming.vial_id, to_location_id=boston.pk)
    assert "to_location_id" in exc.value.message_dict


def test_count_discrepancy_resolved_by_prescriber_only(staff, vial):
    count = actions.do_record_count(staff["nurse"], vial_id=vial.pk, counted_mg=Decimal("480"))
    assert count.discrepancy_mg == Decimal("-20") and count.quantity_mg == 0
    assert open_discrepancies(staff["nurse"]) == [count]
    with pytest.raises(PermissionDenied):
        actions.do_resolve_discrepancy(staff["nurse"], count_entry_id=count.pk, reason="spill")
    with pytest.raises(ValidationError) as exc:
        actions.do_resolve_discrepancy(staff["prescriber"], count_entry_id=count.pk, reason=" ")
    assert "reason" in exc.value.message_dict
    adjustment = actions.do_resolve_discrepancy(
        staff["prescriber"], count_entry_id=count.pk, reason="spill during draw"
    )
    assert adjustment.balance_after_mg == Decimal("480") and adjustment.related_entry == count
    assert open_discrepancies(staff["nurse"]) == []
    with pytest.raises(ValidationError, match="already resolved"):
        actions.do_resolve_discrepancy(staff["prescriber"], count_entry_id=count.pk, reason="again")


def test_destruction_needs_two_different_witnesses(staff, vial, org):
    with pytest.raises(ValidationError) as exc:
        actions.do_record_disposal(
            staff["nurse"],
            vial_id=vial.pk,
            kind="destroyed",
            witness=staff["prescriber"],
            second_witness=staff["prescriber"],
        )
    assert "second_witness" in exc.value.message_dict
    entry = actions.do_record_disposal(
        staff["nurse"],
        vial_id=vial.pk,
        kind="destroyed",
        witness=staff["prescriber"],
        second_witness=staff["clinic_admin"],
        document_number="F41-22",
        reason="broken vial",
    )
    assert entry.quantity_mg == Decimal("-500") and entry.balance_after_mg == 0
    assert entry.witness == staff["prescriber"] and entry.second_witness == staff["clinic_admin"]


def test_return_needs_reverse_distributor(staff, vial):
    with pytest.raises(ValidationError) as exc:
        actions.do_record_disposal(staff["nurse"], vial_id=vial.pk, kind="returned")
    assert "counterparty_name" in exc.value.message_dict
    entry = actions.do_record_disposal(
        staff["nurse"], vial_id=vial.pk, kind="returned", quantity_mg=Decimal("100"), counterparty_name="Reverse Co"
    )
    assert entry.balance_after_mg == Decimal("400")


def test_business_day_and_form_106_deadlines():
    friday = dt.date(2026, 11, 20)
    assert add_business_days(friday, 1) == dt.date(2026, 11, 23)  # Monday
    due = report_deadlines(friday)
    assert due.written_notice_due == dt.date(2026, 11, 23)
    assert due.form_106_due == dt.date(2027, 1, 4)  # 45 days
    assert deadline_state(due.written_notice_due, False, dt.date(2026, 11, 24)) == "overdue"
    assert deadline_state(due.written_notice_due, True, dt.date(2026, 11, 24)) == "done"
    assert volume_ml_for(Decimal("35"), Decimal("50")) == Decimal("0.700")


def test_theft_report_books_the_loss_and_tracks_deadlines(staff, vial, portland):
    # Dates are the location's (after midnight UTC, UTC's date is still tomorrow in Portland).
    today = location_today(portland)
    report = actions.do_report_theft_loss(
        staff["nurse"],
        location_id=portland.pk,
        kind="theft",
        discovered_on=today - dt.timedelta(days=50),
        description="vial missing from safe",
        losses=[(vial.pk, Decimal("500"))],
    )
    vial.refresh_from_db()
    assert vial.balance_mg == 0 and report.entries.get().kind == "theft"
    [row] = theft_loss_dashboard(staff["clinic_admin"])
    assert row.notice_state == "overdue" and row.form_106_state == "overdue"
    with pytest.raises(ValidationError) as exc:
        actions.do_update_theft_loss_report(staff["clinic_admin"], report.pk, form_106_filed_on=today)
    assert "form_106_reference" in exc.value.message_dict
    actions.do_update_theft_loss_report(
        staff["clinic_admin"],
        report.pk,
        written_notice_sent_on=today,
        form_106_filed_on=today,
        form_106_reference="DEA106-1",
    )
    [row] = theft_loss_dashboard(staff["clinic_admin"])
    assert (row.notice_state, row.form_106_state) == ("done", "done")


def test_theft_report_with_too_much_lost_writes_nothing(staff, vial, portland):
    from ketacare.ledger.models import TheftLossReport

    today = location_today(portland)

    with pytest.raises(ValidationError) as exc:
        actions.do_report_theft_loss(
            staff["nurse"],
            location_id=portland.pk,
            kind="loss",
            discovered_on=today,
            description="x",
            losses=[(vial.pk, Decimal("600"))],
        )
    assert "quantity_mg" in exc.value.message_dict
    assert not TheftLossReport.objects.exists()
    assert LedgerEntry.objects.filter(kind="loss").count() == 0
