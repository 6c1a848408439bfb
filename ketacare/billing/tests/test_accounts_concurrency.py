"""Concurrent posts on PostgreSQL, each thread with its own connection and transaction: the sale's row lock keeps
a package from giving more credits than it holds; the patient's row lock keeps two write-offs from forgiving
more than is owed."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, connections, transaction

from ketacare.billing.actions.accounts import do_write_off
from ketacare.billing.actions.charges import do_finalise_charge
from ketacare.billing.actions.packages import apply_package_credit, do_sell_package
from ketacare.billing.models import PackageCreditUse
from ketacare.billing.selectors.accounts import patient_balance

THREADS = 6

pytestmark = pytest.mark.django_db(transaction=True)


def _race(work) -> list[str]:
    """Run `work(i)` in THREADS threads released together; each outcome "ok", "none" or "refused:<fields>"."""
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(index):
        try:
            barrier.wait()
            result = work(index)
        except ValidationError as exc:
            result = "refused:" + ",".join(exc.message_dict)
        except Exception as exc:
            result = f"error:{type(exc).__name__}:{exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    return outcomes


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections: PostgreSQL only (SQLite serialises whole transactions)")


def test_six_sessions_signed_at_once_take_the_three_credits_once(
    staff, patient, org, make_package_offer, make_draft_charge
):
    sale = do_sell_package(staff["front_desk"], patient.pk, offer_id=make_package_offer(org, sessions=3).pk)
    charges = [make_draft_charge(patient, staff["billing"]) for _ in range(THREADS)]

    def draw(index):
        with transaction.atomic():
            return "ok" if apply_package_credit(staff["prescriber"], charges[index]) else "none"

    outcomes = _race(draw)
    assert sorted(outcomes) == ["none"] * 3 + ["ok"] * 3, outcomes
    assert sum(PackageCreditUse.objects.filter(sale=sale).values_list("sessions", flat=True)) == 3


def test_concurrent_write_offs_never_forgive_more_than_is_owed(staff, patient, make_draft_charge):
    charge = make_draft_charge(patient, staff["billing"], amount="300.00")
    do_finalise_charge(staff["billing"], charge.pk)
    outcomes = _race(
        lambda index: do_write_off(staff["billing"], patient.pk, amount="100.00", reason="Hardship") and "ok"
    )
    assert sorted(outcomes) == ["ok"] * 3 + ["refused:amount"] * 3, outcomes
    assert patient_balance(patient) == Decimal("0.00")
