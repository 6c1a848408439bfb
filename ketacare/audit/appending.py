"""Appending entries to an audit chain in one statement (audit/actions.py is the interface).

An entry's hash covers the hash of the entry before it, and its signature needs a key the database
does not hold: the database cannot chain an entry itself, the process must know the chain's end
before it hashes. So each process remembers the end of every chain it last appended to, hashes and
signs the new entries from there, and sends ONE statement that advances the chain's head row
(AuditChainHead) only if the row still holds that end, a compare-and-set, and inserts the entries
only if it did. That statement runs on its own (an audited read: no BEGIN, no COMMIT) or inside
the caller's transaction, where the row stays locked until the caller commits.

When another process appended in between, the statement inserts nothing and returns the chain's
end as it read it instead; the append hashes again from there and retries once. After two misses
(and for the process's next few appends to that chain), or in a process that has not appended to
the chain yet, it takes the locked path: lock the
head row (SELECT ... FOR UPDATE), hash from the end it holds, send the same statement, which then
cannot miss. The entries stay the record: a head row behind them makes an append fail on the
unique sequence (and the next one catch the row up), a row ahead of them leaves a gap in the
sequence that verification names.

Correct under concurrency because the head row is the chain's lock: PostgreSQL's UPDATE waits for a
transaction that holds the row and re-checks its condition against the row that transaction
committed (READ COMMITTED), so two appends never take the same end, and an append's entries
commit or roll back with the row's advance. lock_head() takes the same row lock for callers that
must hold the chain before they write (the ledger): one lock per chain, one lock order.

SQLite serialises writers on the database lock (transactions start with BEGIN IMMEDIATE) and has no
UPDATE inside a WITH: there the compare-and-set UPDATE and the INSERT are two statements in one
transaction. The chains are the same entry for entry.
"""

from collections.abc import Sequence

from django.db import IntegrityError, connection, transaction

from ketacare.audit.chains import AUDIT_PURPOSE, OrganisationId, audit_chain, sign
from ketacare.audit.domain.chain import GENESIS_HASH, entry_hash
from ketacare.audit.models import AuditChainHead, AuditEntry

# Compare-and-set attempts before an append locks the chain instead: the end this process last saw,
# then the end the missed statement read (another worker appended in between).
OPTIMISTIC_ATTEMPTS = 2
# After missing twice, this process's next appends to the chain lock it directly: under steady
# contention guesses mostly miss, and the row lock queues the appenders in order (measured with
# bench/audit_chain.py, one organisation and four writers).
LOCKED_APPENDS_AFTER_MISSES = 8

Head = tuple[int, str]  # (sequence, entry hash) of a chain's newest entry

# The end of each chain as this process last appended to it or read it, by (database alias, chain).
# Only a guess: the compare-and-set checks it against the head row, whatever happened since.
_last_known_heads: dict[tuple[str, int], Head] = {}
# Chains whose head row this process found behind the entries: its next append catches the row up.
_heads_to_catch_up: set[tuple[str, int]] = set()
# Chains this process found contended: how many more appends lock them directly.
_locked_appends_left: dict[tuple[str, int], int] = {}


def forget_chain_ends() -> None:
    """Forget every guess of this process: its next appends read the chains' ends from the database
    (each test starts from a rolled-back database, where the guesses of the test before are stale)."""
    _last_known_heads.clear()
    _heads_to_catch_up.clear()
    _locked_appends_left.clear()


class ChainHeadMoved(RuntimeError):
    """The head row changed while this transaction held its lock: something wrote it without locking."""


def chain_key(organisation_id: OrganisationId) -> int:
    """The head row's key: the organisation id, 0 for the chain of entries without one."""
    return organisation_id or 0


def lock_head(organisation_id: OrganisationId, *, catch_up: bool = False) -> Head:
    """Lock the chain's head row until the transaction ends; returns the chain's end.

    The first append to a chain creates its row from the chain's stored entries, so a database with
    entries from before the head rows existed keeps counting where it was. `catch_up` moves a row
    that fell behind the entries (a worker still running the code from before the head rows,
    during an upgrade) to the newest entry; a row ahead of them (entries deleted) stays, so the
    next entry leaves the gap that `ketacare audit verify` names."""
    key = chain_key(organisation_id)
    locked = AuditChainHead.objects.select_for_update().filter(chain=key).values_list("sequence", "entry_hash")
    head = locked.first()
    if head is None or catch_up:
        newest = audit_chain(organisation_id).order_by("-sequence").values_list("sequence", "entry_hash").first()
        newest = newest or (0, GENESIS_HASH)
        if head is None:
            AuditChainHead.objects.bulk_create(
                [AuditChainHead(chain=key, sequence=newest[0], entry_hash=newest[1])], ignore_conflicts=True
            )
            head = locked.first()
        elif newest[0] > head[0]:
            AuditChainHead.objects.filter(chain=key).update(sequence=newest[0], entry_hash=newest[1])
            head = newest
    return head


def append(organisation_id: OrganisationId, entries: Sequence[AuditEntry]) -> None:
    """Chain, sign and insert `entries` (unsaved, all of this chain, content set) in their order.

    An IntegrityError (the chain's unique sequence: the head row fell behind the entries) fails
    this append; the process's next append to the chain takes the locked path and catches up."""
    key = (connection.alias, chain_key(organisation_id))
    known = _last_known_heads.get(key)
    locked_left = _locked_appends_left.pop(key, 0)
    if locked_left > 1:
        _locked_appends_left[key] = locked_left - 1
    try:
        if known is not None and not locked_left:
            for _ in range(OPTIMISTIC_ATTEMPTS):
                inserted, known = _compare_and_insert(organisation_id, entries, known)
                if inserted:
                    return
                if known is None:
                    break
            _locked_appends_left[key] = LOCKED_APPENDS_AFTER_MISSES
        with transaction.atomic(savepoint=False):
            head = lock_head(organisation_id, catch_up=key in _heads_to_catch_up)
            inserted, _ = _compare_and_insert(organisation_id, entries, head)
            if not inserted:
                raise ChainHeadMoved(f"the head of audit chain {key[1]} moved while locked")
    except IntegrityError:
        _last_known_heads.pop(key, None)
        _heads_to_catch_up.add(key)
        raise
    _heads_to_catch_up.discard(key)


def _compare_and_insert(
    organisation_id: OrganisationId, entries: Sequence[AuditEntry], head: Head
) -> tuple[bool, Head | None]:
    """Chain `entries` after `head` and insert them if the chain still ends there: (inserted, the
    chain's end as the statement read it when it did not, or None when it cannot tell)."""
    sequence, previous_hash = head
    for entry in entries:
        sequence += 1
        entry.sequence, entry.previous_hash = sequence, previous_hash
        entry.entry_hash = entry_hash(entry.hashed_content(), previous_hash)
        entry.key_id, entry.signature = sign(AUDIT_PURPOSE, entry.entry_hash)
        previous_hash = entry.entry_hash
    new_head = (sequence, previous_hash)
    if connection.vendor == "postgresql":
        inserted, current = _compare_and_insert_postgresql(chain_key(organisation_id), entries, head, new_head)
    else:
        inserted, current = _compare_and_insert_sequentially(chain_key(organisation_id), entries, head, new_head)
    if inserted:
        _last_known_heads[(connection.alias, chain_key(organisation_id))] = new_head
    return inserted, current


def _entry_fields():
    return [field for field in AuditEntry._meta.concrete_fields if not field.primary_key]


def _entry_values(entries: Sequence[AuditEntry], fields) -> list:
    """The entries' column values in `fields` order, entry after entry, as the database stores them."""
    return [field.get_db_prep_save(getattr(entry, field.attname), connection) for entry in entries for field in fields]


def _set_ids(entries: Sequence[AuditEntry], ids: dict[int, int]) -> None:
    """Mark the inserted entries saved, with the ids the database gave them (by sequence)."""
    for entry in entries:
        entry.pk = ids[entry.sequence]
        entry._state.adding, entry._state.db = False, connection.alias


def _compare_and_insert_postgresql(key: int, entries: Sequence[AuditEntry], head: Head, new_head: Head):
    quote = connection.ops.quote_name
    fields = _entry_fields()
    heads_table, entries_table = quote(AuditChainHead._meta.db_table), quote(AuditEntry._meta.db_table)
    # VALUES rows in a SELECT carry no column types: each value is cast to its column's.
    row = "(" + ", ".join(f"CAST(%s AS {field.db_type(connection)})" for field in fields) + ")"
    columns = ", ".join(quote(field.column) for field in fields)
    sql = f"""
        WITH advanced AS (
            UPDATE {heads_table} SET sequence = %s, entry_hash = %s
            WHERE chain = %s AND sequence = %s AND entry_hash = %s
            RETURNING chain
        ), inserted AS (
            INSERT INTO {entries_table} ({columns})
            SELECT * FROM (VALUES {", ".join([row] * len(entries))}) AS new_entries
            WHERE EXISTS (SELECT FROM advanced)
            RETURNING id, sequence
        )
        SELECT id, sequence, NULL FROM inserted
        UNION ALL
        SELECT NULL, sequence, entry_hash FROM {heads_table}
        WHERE chain = %s AND NOT EXISTS (SELECT FROM advanced)
    """
    params: list = [*new_head, key, *head, *_entry_values(entries, fields), key]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    ids = {sequence: entry_id for entry_id, sequence, _ in rows if entry_id is not None}
    if not ids:
        current = next(((sequence, stored_hash) for _, sequence, stored_hash in rows), None)
        return False, current
    _set_ids(entries, ids)
    return True, None


def _compare_and_insert_sequentially(key: int, entries: Sequence[AuditEntry], head: Head, new_head: Head):
    # Plain SQL like PostgreSQL's statement: the ORM's update() and bulk_create() built these two
    # statements anew for every audited read, more time than running them (issue 19).
    quote = connection.ops.quote_name
    fields = _entry_fields()
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    insert = f"INSERT INTO {quote(AuditEntry._meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
    # As many rows per INSERT as SQLite takes parameters (what bulk_create sends).
    batch_size = connection.ops.bulk_batch_size(fields, entries)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(AuditChainHead._meta.db_table)} SET sequence = %s, entry_hash = %s"
            " WHERE chain = %s AND sequence = %s AND entry_hash = %s",
            [*new_head, key, *head],
        )
        if cursor.rowcount != 1:
            return False, None
        for start in range(0, len(entries), batch_size):
            batch = entries[start : start + batch_size]
            cursor.execute(
                f"{insert} VALUES {', '.join([row] * len(batch))} RETURNING id, sequence", _entry_values(batch, fields)
            )
            _set_ids(batch, {sequence: entry_id for entry_id, sequence in cursor.fetchall()})
    return True, None
