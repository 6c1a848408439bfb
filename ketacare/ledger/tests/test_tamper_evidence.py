"""Tampering by someone who holds the database but not the chain key (docs/security.md): signed
entries, checkpoints kept elsewhere, and `ketacare ledger verify` naming what vanished."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ketacare.audit.domain.chain import entry_hash
from ketacare.ledger import actions
from ketacare.ledger.guard import LEDGER_ENTRIES
from ketacare.ledger.models import EntryKind, LedgerEntry
from ketacare.lib.append_only import remove_guard


@pytest.fixture
def history(staff, vial, patient, password):
    """A receipt, an administration and a waste of the 500 mg vial: 460 mg left."""
    nurse, prescriber = staff["nurse"], staff["prescriber"]
    actions.do_record_administration(
        nurse, vial_id=vial.pk, dose_mg=Decimal("35"), checked_by=prescriber, patient=patient, treatment_session_id=None
    )
    actions.do_record_waste(
        nurse, vial_id=vial.pk, quantity_mg=Decimal("5"), witness=prescriber, witness_password=password, reason="rest"
    )
    return list(LedgerEntry.objects.order_by("sequence"))


def _sql(statement, params=()):
    """As someone with the app's database rights, after dropping the append-only triggers."""
    remove_guard(connection, LEDGER_ENTRIES)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _verify_fails(*args) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("ledger", "verify", *args)
    assert caught.value.returncode == 1
    return str(caught.value)


def test_entries_are_signed_and_the_checkpoint_holds_each_chains_head(history, tmp_path, org):
    assert all(entry.key_id == "test" and len(entry.signature) == 64 for entry in history)
    call_command("ledger", "checkpoint", "--to", str(tmp_path / "heads.jsonl"))
    record = json.loads((tmp_path / "heads.jsonl").read_text())
    assert record["kind"] == "ledger"
    assert record["chains"] == [{"organisation_id": org.pk, "sequence": 3, "entry_hash": history[-1].entry_hash}]
    call_command("ledger", "verify", "--checkpoint", str(tmp_path / "heads.jsonl"))


def test_deleting_the_newest_waste_and_fixing_the_balance_is_named_against_the_checkpoint(history, tmp_path, org):
    waste = history[-1]
    assert waste.kind == EntryKind.WASTE
    call_command("ledger", "checkpoint", "--to", str(tmp_path))
    _sql("DELETE FROM ledger_ledgerentry WHERE id = %s", [waste.pk])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_vial SET balance_mg = %s WHERE id = %s", [history[-2].balance_after_mg, waste.vial_id]
        )
    call_command("ledger", "verify")  # consistent in itself: only the checkpoint shows the waste is gone
    message = _verify_fails("--checkpoint", str(tmp_path))
    assert message.startswith(
        f"ledger chain of organisation {org.pk} broken: entry #3 is missing since the checkpoint of "
    )


def test_a_rewritten_entry_with_every_later_hash_recomputed_is_named(history):
    administration = history[1]
    _sql("UPDATE ledger_ledgerentry SET reason = %s WHERE id = %s", ["rewritten", administration.pk])
    previous = history[0].entry_hash
    for stored in LedgerEntry.objects.filter(sequence__gte=2).order_by("sequence"):
        digest = entry_hash(stored.hashed_content(), previous)
        _sql(
            "UPDATE ledger_ledgerentry SET previous_hash = %s, entry_hash = %s WHERE id = %s",
            [previous, digest, stored.pk],
        )
        previous = digest
    assert "entry #2 has a wrong signature" in _verify_fails()


def _truncate_as_owner():
    with connection.cursor() as cursor:
        # The rows were inserted in this test's transaction: their deferred foreign-key checks must run
        # first, or PostgreSQL refuses the TRUNCATE for pending trigger events.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"DROP TRIGGER {LEDGER_ENTRIES.trigger_prefix}_no_truncate ON {LEDGER_ENTRIES.table}")
        cursor.execute(f"TRUNCATE {LEDGER_ENTRIES.table} CASCADE")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_a_forced_truncate_is_named_against_the_checkpoint(history, tmp_path, org):
    call_command("ledger", "checkpoint", "--to", str(tmp_path))
    _truncate_as_owner()
    assert LedgerEntry.objects.count() == 0
    message = _verify_fails("--checkpoint", str(tmp_path))
    assert f"organisation {org.pk} broken: entries #1–#3 are missing since the checkpoint of" in message


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_a_forced_truncate_without_a_checkpoint_names_the_stock_left_without_entries(history, org):
    _truncate_as_owner()
    vial = history[0].vial
    assert f"vial {vial.identifier} (id {vial.pk}) holds 460.000 mg but has no ledger entries" in _verify_fails()
