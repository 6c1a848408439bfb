"""Parallel wrong dates of birth on one link, on PostgreSQL: each thread has its own connection; the
invitation's row lock makes them queue, so no more than five guesses are ever checked."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, connections

from ketacare.accounts.invitations import issue_invitation
from ketacare.accounts.models import InvitationPurpose
from ketacare.portal import actions

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_dates_of_birth_cannot_pass_the_lock_together(staff, org, make_patient):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections: PostgreSQL only (SQLite serialises whole transactions)")
    patient = make_patient(org, 21)
    account = actions.do_invite_patient_to_portal(staff["front_desk"], patient.pk, email="guess@example.org")
    secret = issue_invitation(account, purpose=InvitationPurpose.PATIENT, created_by=staff["front_desk"])
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def guess(day: int):
        try:
            barrier.wait()
            actions.do_activate_portal_account(
                secret,
                date_of_birth=patient.date_of_birth.replace(year=1900 + day),
                password="a long enough password 1",
                password_again="a long enough password 1",
            )
            result = "activated"
        except ValidationError as exc:
            result = ",".join(exc.message_dict)
        except Exception as exc:
            result = f"error:{type(exc).__name__}:{exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=guess, args=(day,)) for day in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()

    assert sorted(outcomes) == ["date_of_birth"] * 5 + ["token"] * 3, outcomes
