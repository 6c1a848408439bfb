"""Database triggers that make the ledger table append-only (the same guard as audit/guard.py).

No UPDATE or DELETE of a ledger row is ever needed: corrections are new entries. The triggers
stop a bug, a shell session or an ORM bulk call from rewriting the record; the hash chain and
`ketacare ledger verify` catch what someone with owner rights changes after dropping them.

Emptying the database (`ketacare flush`, which transactional tests run) must still work.
PostgreSQL flushes with TRUNCATE, which row triggers do not see. SQLite flushes with DELETE, so
`ketacare flush` (audit/management/commands/flush.py) lifts this guard with the audit trail's.
"""

TABLE = "ledger_ledgerentry"
SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS ledger_entry_no_update BEFORE UPDATE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;",
    f"CREATE TRIGGER IF NOT EXISTS ledger_entry_no_delete BEFORE DELETE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS ledger_entry_no_update;",
    "DROP TRIGGER IF EXISTS ledger_entry_no_delete;",
]
POSTGRESQL_INSTALL = [
    """CREATE OR REPLACE FUNCTION ledger_entry_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'ledger is append-only'; END; $$ LANGUAGE plpgsql;""",
    f"CREATE TRIGGER ledger_entry_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only();",
]
POSTGRESQL_REMOVE = [
    f"DROP TRIGGER IF EXISTS ledger_entry_no_change ON {TABLE};",
    "DROP FUNCTION IF EXISTS ledger_entry_append_only();",
]


def _run(connection, statements) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install_guard(connection) -> None:
    _run(connection, POSTGRESQL_INSTALL if connection.vendor == "postgresql" else SQLITE_INSTALL)


def remove_guard(connection) -> None:
    _run(connection, POSTGRESQL_REMOVE if connection.vendor == "postgresql" else SQLITE_REMOVE)
