"""The witness lockout counts attempts in the database, so concurrent guesses cannot overrun it."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, connections

from ketacare.accounts.models import User
from ketacare.ledger.actions import WITNESS_MAX_FAILURES, do_record_waste
from ketacare.ledger.models import LedgerEntry

THREADS = 20


def waste(staff, vial, typed):
    return do_record_waste(
        staff["nurse"],
        vial_id=vial.pk,
        quantity_mg=Decimal("1"),
        witness=staff["prescriber"],
        witness_password=typed,
        reason="left in the vial",
    )


def test_right_passwords_do_not_count_towards_the_lockout(staff, vial, password):
    for _ in range(WITNESS_MAX_FAILURES - 1):
        with pytest.raises(ValidationError, match="not right"):
            waste(staff, vial, "guess")
    for _ in range(3):
        waste(staff, vial, password)
    with pytest.raises(ValidationError, match="not right"):
        waste(staff, vial, "guess")
    with pytest.raises(ValidationError, match="Too many wrong passwords"):
        waste(staff, vial, password)
    assert LedgerEntry.objects.filter(kind="waste").count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_witness_passwords_check_at_most_the_limit(staff, vial, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections: PostgreSQL only (SQLite serialises whole transactions)")
    checks = []
    check_password = User.check_password

    def counted_check_password(user, raw_password):
        checks.append(user.pk)
        return check_password(user, raw_password)

    monkeypatch.setattr(User, "check_password", counted_check_password)
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def guess(number):
        try:
            barrier.wait()
            waste(staff, vial, f"guess {number}")
            result = "recorded"
        except ValidationError as exc:
            result = "locked" if "Too many" in str(exc) else "wrong"
        except Exception as exc:
            result = f"error:{type(exc).__name__}:{exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=guess, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()

    assert len(checks) == WITNESS_MAX_FAILURES, outcomes
    assert sorted(outcomes) == ["locked"] * (THREADS - WITNESS_MAX_FAILURES) + ["wrong"] * WITNESS_MAX_FAILURES
    assert not LedgerEntry.objects.filter(kind="waste").exists()
