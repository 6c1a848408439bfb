"""Concurrent debits of one vial on PostgreSQL: each thread has its own connection and
transaction; the row lock makes them queue, so the balance never goes below zero."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import close_old_connections, connection, connections

from ketacare.ledger.actions import do_record_administration
from ketacare.ledger.models import LedgerEntry

THREADS = 8
DOSE_MG = Decimal("90")  # 8 x 90 = 720 mg asked of a 500 mg vial: 5 succeed, 3 are refused


@pytest.mark.django_db(transaction=True)
def test_concurrent_debits_never_overdraw(staff, vial, patient):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections: PostgreSQL only (SQLite serialises whole transactions)")
    nurse, prescriber = staff["nurse"], staff["prescriber"]
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def debit():
        try:
            barrier.wait()
            do_record_administration(
                nurse,
                vial_id=vial.pk,
                dose_mg=DOSE_MG,
                checked_by=prescriber,
                patient=patient,
                treatment_session_id=None,
            )
            result = "ok"
        except ValidationError as exc:
            result = "refused:" + ",".join(exc.message_dict)
        except Exception as exc:
            result = f"error:{type(exc).__name__}:{exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=debit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()

    succeeded = outcomes.count("ok")
    assert sorted(set(outcomes)) == ["ok", "refused:dose_mg"], outcomes
    assert succeeded == 5
    vial.refresh_from_db()
    assert vial.balance_mg == Decimal("500") - succeeded * DOSE_MG >= 0
    entries = list(LedgerEntry.objects.filter(vial=vial).order_by("sequence"))
    assert [e.sequence for e in entries] == list(range(1, len(entries) + 1))
    assert min(e.balance_after_mg for e in entries) >= 0
    assert sum(e.quantity_mg for e in entries) == vial.balance_mg
    call_command("ledger", "verify")
