"""An audit append is one statement (audit/appending.py): the chain's head row advanced and the
entries inserted together, from the chain's end as the process last saw it, and still one unbroken
signed chain when that guess is stale, rolled back, or raced by other appenders."""

import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.test.utils import CaptureQueriesContext

from ketacare.audit import appending
from ketacare.audit.actions import audit_event, lock_chain, record_event, record_events
from ketacare.audit.chains import verify_audit
from ketacare.audit.models import AuditAction, AuditChainHead, AuditEntry

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement append is PostgreSQL's")


def _chain(organisation_id):
    return list(AuditEntry.objects.filter(organisation_id=organisation_id).order_by("sequence"))


def _intact(organisation_ids=None) -> dict:
    """The length of each verified chain by organisation id; fails on a broken one."""
    reports = verify_audit(organisation_ids=organisation_ids)
    assert all(report.ok for _, report in reports), [report.problem for _, report in reports]
    return {organisation_id: report.checked for organisation_id, report in reports}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_audited_read_appends_in_one_statement_without_a_transaction(staff, patient):
    record_event(staff["nurse"], AuditAction.VIEW, patient, patient=patient)  # the process learns the chain's end
    in_transaction = []

    def note_transaction(execute, sql, params, many, context):
        in_transaction.append(not connection.get_autocommit())
        return execute(sql, params, many, context)

    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(note_transaction):
        entry = record_event(staff["nurse"], AuditAction.VIEW, patient, patient=patient)
    assert len(queries) == 1 and queries[0]["sql"].lstrip().startswith("WITH")
    assert in_transaction == [False]  # no BEGIN, no COMMIT: the statement is its own transaction
    assert entry.sequence == 2 and entry.pk
    assert AuditChainHead.objects.get(chain=patient.organisation_id).sequence == 2
    assert _intact([patient.organisation_id]) == {patient.organisation_id: 2}


def test_inside_an_action_the_append_adds_no_savepoint(staff, patient):
    record_event(staff["nurse"], AuditAction.VIEW, patient, patient=patient)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        record_event(staff["nurse"], AuditAction.VIEW, patient, patient=patient)
    assert not [query for query in queries if "SAVEPOINT" in query["sql"]]
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)  # SQLite: UPDATE the head, INSERT


@on_postgresql
def test_a_batch_of_entries_is_one_statement_and_one_chain(staff, patient):
    record_event(staff["nurse"], AuditAction.VIEW, patient, patient=patient)
    batch = [
        audit_event(staff["nurse"], AuditAction.CREATE, object_type="test", object_id=str(n), detail={"n": n})
        for n in range(6)
    ]
    with CaptureQueriesContext(connection) as queries:
        stored = record_events(batch)
    assert len(queries) == 1
    assert [entry.sequence for entry in stored] == [2, 3, 4, 5, 6, 7]
    assert [entry.object_id for entry in _chain(staff["nurse"].organisation_id)[1:]] == [str(n) for n in range(6)]
    assert _intact([patient.organisation_id]) == {patient.organisation_id: 7}


def test_a_batch_is_chained_as_single_appends_would_be(staff, patient):
    """The same entries one by one or in one batch: the same hashes (SQLite's two-statement path and
    PostgreSQL's one statement write the same chain)."""
    nurse = staff["nurse"]
    singles = [record_event(nurse, AuditAction.VIEW, patient, patient=patient, detail={"n": n}) for n in range(3)]
    batch = record_events([audit_event(nurse, AuditAction.VIEW, patient, patient=patient, detail={"n": 3})])
    stored = _chain(patient.organisation_id)
    assert [entry.entry_hash for entry in stored] == [entry.entry_hash for entry in singles + batch]
    assert [entry.previous_hash for entry in stored[1:]] == [entry.entry_hash for entry in stored[:-1]]
    assert _intact([patient.organisation_id]) == {patient.organisation_id: 4}


def test_a_batch_longer_than_one_insert_takes_is_stored_whole_with_each_entry_s_id(staff, patient):
    """SQLite takes 999 parameters a statement: 150 entries of 14 columns go in several INSERTs of one append."""
    nurse = staff["nurse"]
    stored = record_events(
        [audit_event(nurse, AuditAction.VIEW, patient, patient=patient, detail={"n": n}) for n in range(150)]
    )
    in_database = AuditEntry.objects.filter(organisation_id=patient.organisation_id).order_by("sequence")
    assert [(entry.pk, entry.sequence, entry.detail) for entry in stored] == list(
        in_database.values_list("pk", "sequence", "detail")
    )
    assert [entry.sequence for entry in stored] == list(range(1, 151))
    assert _intact([patient.organisation_id]) == {patient.organisation_id: 150}


def test_entries_of_several_chains_in_one_batch_go_to_their_own_chains(staff, other_staff, patient):
    record_events(
        [
            audit_event(staff["nurse"], AuditAction.VIEW, patient, patient=patient),
            audit_event(other_staff["nurse"], AuditAction.LIST, object_type="patients.patient"),
            audit_event(None, AuditAction.LOGIN_FAILED, object_type="login", object_id="x"),
            audit_event(staff["nurse"], AuditAction.LIST, object_type="patients.patient"),
        ]
    )
    assert [entry.sequence for entry in _chain(patient.organisation_id)] == [1, 2]
    assert [entry.sequence for entry in _chain(other_staff["nurse"].organisation_id)] == [1]
    assert _intact() == {None: 1, patient.organisation_id: 2, other_staff["nurse"].organisation_id: 1}


def test_a_stale_or_rolled_back_end_is_corrected_by_the_database(staff, patient):
    """Another process appended since, or this process's last append rolled back: the head row
    refuses the guess and the append continues the chain where it really ends."""
    nurse = staff["nurse"]
    record_event(nurse, AuditAction.VIEW, patient, patient=patient)
    seen_by_this_process = dict(appending._last_known_heads)
    record_event(nurse, AuditAction.VIEW, patient, patient=patient)  # "another process"
    appending._last_known_heads.update(seen_by_this_process)
    assert record_event(nurse, AuditAction.VIEW, patient, patient=patient).sequence == 3

    with pytest.raises(RuntimeError, match="rolled back"):
        with transaction.atomic():
            assert record_event(nurse, AuditAction.VIEW, patient, patient=patient).sequence == 4
            raise RuntimeError("rolled back")
    assert record_event(nurse, AuditAction.VIEW, patient, patient=patient).sequence == 4
    assert _intact([patient.organisation_id]) == {patient.organisation_id: 4}


def test_a_chain_with_entries_from_before_the_head_rows_continues_where_it_ends(staff, patient):
    """A database upgraded to the head rows: the first append creates the row from the chain's end."""
    nurse = staff["nurse"]
    for _ in range(3):
        record_event(nurse, AuditAction.VIEW, patient, patient=patient)
    AuditChainHead.objects.all().delete()
    appending._last_known_heads.clear()
    assert record_event(nurse, AuditAction.VIEW, patient, patient=patient).sequence == 4
    assert _intact([patient.organisation_id]) == {patient.organisation_id: 4}


def test_a_head_row_left_behind_by_an_older_worker_fails_one_append_then_catches_up(staff, patient):
    """During an upgrade a worker still running the code from before the head rows appends without
    moving the row: the next append hits the unique sequence and fails (no entry is forked), the
    one after it catches the row up to the newest entry and continues the chain."""
    nurse = staff["nurse"]
    first = record_event(nurse, AuditAction.VIEW, patient, patient=patient)
    record_event(nurse, AuditAction.VIEW, patient, patient=patient)
    AuditChainHead.objects.filter(chain=patient.organisation_id).update(sequence=1, entry_hash=first.entry_hash)
    with pytest.raises(IntegrityError), transaction.atomic():
        record_event(nurse, AuditAction.VIEW, patient, patient=patient)
    assert record_event(nurse, AuditAction.VIEW, patient, patient=patient).sequence == 3
    assert AuditChainHead.objects.get(chain=patient.organisation_id).sequence == 3
    assert _intact([patient.organisation_id]) == {patient.organisation_id: 3}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_parallel_appenders_write_one_unbroken_chain(staff, other_staff, patient):
    """Threads with their own connections append to one chain at once: audited reads on their own,
    actions with several entries (some rolled back), batches, and a ledger-style caller that locks
    the chain first. Every committed entry is in the chain, once, in an unbroken signed sequence."""
    nurse, organisation_id = staff["nurse"], patient.organisation_id
    rounds, committed, failures = 15, [], []
    start = threading.Barrier(5)

    def appender(kind: int) -> None:
        try:
            start.wait(10)
            for number in range(rounds):
                label = f"{kind}-{number}"
                if kind == 0:
                    record_event(nurse, AuditAction.VIEW, patient, patient=patient, object_id=label)
                    committed.append(label)
                elif kind == 1:
                    with transaction.atomic():
                        record_event(nurse, AuditAction.VIEW, patient, patient=patient, object_id=label + "a")
                        record_event(nurse, AuditAction.VIEW, patient, patient=patient, object_id=label + "b")
                    committed.extend([label + "a", label + "b"])
                elif kind == 2:
                    events = [
                        audit_event(nurse, AuditAction.CREATE, object_type="test", object_id=f"{label}.{n}")
                        for n in range(3)
                    ]
                    record_events(events)
                    committed.extend(entry.object_id for entry in events)
                elif kind == 3:
                    try:
                        with transaction.atomic():
                            record_event(nurse, AuditAction.VIEW, patient, patient=patient, object_id=label)
                            if number % 2:
                                raise LookupError("rolled back")
                        committed.append(label)
                    except LookupError:
                        pass
                else:
                    with transaction.atomic():
                        lock_chain(organisation_id)
                        record_event(nurse, AuditAction.UPDATE, object_type="test", object_id=label)
                    committed.append(label)
        except Exception as error:  # reported below, in the test's thread
            failures.append(repr(error))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=appender, args=(kind,)) for kind in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures
    chain = _chain(organisation_id)
    assert sorted(entry.object_id for entry in chain) == sorted(committed)
    assert [entry.sequence for entry in chain] == list(range(1, len(committed) + 1))
    assert AuditChainHead.objects.get(chain=organisation_id).sequence == len(committed)
    assert _intact([organisation_id]) == {organisation_id: len(committed)}
