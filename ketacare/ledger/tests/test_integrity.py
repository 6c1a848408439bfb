"""Append-only (model, QuerySet, database), the hash chain and `ketacare ledger verify`,
and the balance invariant over random sequences of bookings."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketacare.audit.models import AppendOnlyError
from ketacare.ledger import actions
from ketacare.ledger.guard import LEDGER_ENTRIES
from ketacare.ledger.models import LedgerEntry, Vial
from ketacare.lib.append_only import remove_guard


@pytest.fixture
def history(staff, vial, patient, password):
    nurse, prescriber = staff["nurse"], staff["prescriber"]
    for dose in ("35", "40"):
        actions.do_record_administration(
            nurse,
            vial_id=vial.pk,
            dose_mg=Decimal(dose),
            checked_by=prescriber,
            patient=patient,
            treatment_session_id=None,
        )
    actions.do_record_waste(
        nurse,
        vial_id=vial.pk,
        quantity_mg=Decimal("5"),
        witness=prescriber,
        witness_password=password,
        reason="remainder",
    )
    return list(LedgerEntry.objects.order_by("sequence"))


def test_database_refuses_update_and_delete(history):
    for statement in ("UPDATE ledger_ledgerentry SET quantity_mg = 0", "DELETE FROM ledger_ledgerentry"):
        with pytest.raises(Exception, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        LedgerEntry.objects.update(reason="x")
    with pytest.raises(AppendOnlyError):
        history[0].save()
    with pytest.raises(AppendOnlyError):
        history[0].delete()
    assert LedgerEntry.objects.count() == len(history)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_postgresql_refuses_truncate(history):
    with pytest.raises(Exception, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            # The rows were inserted in this test's transaction: their deferred foreign-key checks must
            # run first, or PostgreSQL refuses the TRUNCATE for pending trigger events before asking ours.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE ledger_ledgerentry CASCADE")
    assert LedgerEntry.objects.count() == len(history)


def test_database_refuses_negative_balance(history):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            Vial.objects.filter(pk=history[0].vial_id).update(balance_mg=Decimal("-1"))


def test_verify_passes_on_intact_chain(history, capsys):
    call_command("ledger", "verify")
    assert f"{len(history)} entries checked" in capsys.readouterr().out


def _tamper(sql, params):
    # Inside the test's transaction: dropping the triggers is rolled back with it.
    remove_guard(connection, LEDGER_ENTRIES)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_names_an_altered_entry(history):
    target = history[1]
    _tamper("UPDATE ledger_ledgerentry SET quantity_mg = %s WHERE id = %s", ["-1", target.pk])
    with pytest.raises(CommandError, match=f"entry #{target.sequence} was altered") as info:
        call_command("ledger", "verify")
    assert info.value.returncode == 1


def test_verify_names_a_deleted_entry(history):
    target = history[2]
    _tamper("DELETE FROM ledger_ledgerentry WHERE id = %s", [target.pk])
    with pytest.raises(CommandError, match=f"entry #{target.sequence} is missing"):
        call_command("ledger", "verify")


def test_verify_names_a_vial_whose_balance_was_changed(history):
    vial = history[0].vial
    Vial.objects.filter(pk=vial.pk).update(balance_mg=Decimal("499"))
    with pytest.raises(CommandError, match=f"vial {vial.identifier}") as info:
        call_command("ledger", "verify")
    assert info.value.returncode == 1


def test_chains_are_per_organisation(history, other_staff, other_org, receive, make_products):
    from ketacare.clinics.models import Location

    products = make_products(other_staff["clinic_admin"])
    entry = receive(other_staff["nurse"], Location.objects.filter(organisation=other_org).first(), products[0])[0]
    assert entry.sequence == 1
    call_command("ledger", "verify")


# One booking: (kind, mg). Debits beyond the balance must be refused and change nothing.
booking = st.tuples(
    st.sampled_from(["administration", "waste", "count", "receipt", "transfer"]),
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("700"), places=3),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bookings=st.lists(booking, max_size=12))
def test_balance_is_the_sum_of_entries_and_never_negative(
    staff, portland, boston, products, patient, bookings, password, receive
):
    nurse, prescriber = staff["nurse"], staff["prescriber"]
    with transaction.atomic():
        vial = receive(nurse, portland, products[0])[0].vial
        for kind, mg in bookings:
            before = Vial.objects.get(pk=vial.pk).balance_mg
            try:
                if kind == "administration":
                    actions.do_record_administration(
                        nurse,
                        vial_id=vial.pk,
                        dose_mg=mg,
                        checked_by=prescriber,
                        patient=patient,
                        treatment_session_id=None,
                    )
                elif kind == "waste":
                    actions.do_record_waste(
                        nurse,
                        vial_id=vial.pk,
                        quantity_mg=mg,
                        witness=prescriber,
                        witness_password=password,
                        reason="r",
                    )
                elif kind == "count":
                    count = actions.do_record_count(nurse, vial_id=vial.pk, counted_mg=max(before - mg, Decimal(0)))
                    if count.discrepancy_mg:
                        actions.do_resolve_discrepancy(prescriber, count_entry_id=count.pk, reason="recount")
                elif kind == "receipt":
                    receive(nurse, portland, products[0], lot="HX")
                else:
                    actions.do_record_transfer(nurse, vial_id=vial.pk, to_location_id=boston.pk)
            except ValidationError:
                assert Vial.objects.get(pk=vial.pk).balance_mg == before
        for item in Vial.objects.filter(organisation=portland.organisation):
            entries = list(item.entries.order_by("sequence"))
            assert item.balance_mg >= 0
            assert item.balance_mg == sum((e.quantity_mg for e in entries), Decimal(0))
            running = Decimal(0)
            for entry in entries:
                running += entry.quantity_mg
                assert entry.balance_after_mg == running >= 0
        call_command("ledger", "verify")
        transaction.set_rollback(True)
