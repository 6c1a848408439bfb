"""Append-only tables: database triggers that refuse UPDATE, DELETE and TRUNCATE, and their registry.

An app that keeps a record nobody may rewrite (the audit trail, the controlled-substance ledger)
never updates or deletes its rows: corrections are new rows. The triggers therefore cost nothing in
normal use; they stop a bug, a shell session or an ORM bulk call from rewriting history. Someone with
owner rights can still drop them: each table's hash chain and verify command catch what changes then.

How an app uses it:
1. declares its table once, an `AppendOnlyTable` (e.g. audit/guard.py);
2. installs the triggers with a migration: `RunPython` calling `install_guard` (and `remove_guard`
   backwards);
3. registers the table in its `AppConfig.ready()`, so that `ketacare flush`, which empties every
   table (transactional tests run it after each test), lifts the guard for its duration only
   (`guards_lifted`).

SQLite has no TRUNCATE (Django's flush deletes there). On PostgreSQL row triggers do not see a
TRUNCATE, so a statement trigger refuses it.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

# Names go into SQL text (trigger bodies cannot take parameters), so they are checked when declared.
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_MESSAGE = re.compile(r"[A-Za-z0-9 .,:()-]+")


@dataclass(frozen=True)
class AppendOnlyTable:
    """A table whose rows are never updated or deleted, and the names of its triggers.

    The triggers are `<trigger_prefix>_no_update`, `_no_delete` and (PostgreSQL) `_no_truncate`,
    calling the function `<trigger_prefix>_append_only()`; `message` is the database error.
    """

    table: str
    trigger_prefix: str
    message: str

    def __post_init__(self) -> None:
        for name in (self.table, self.trigger_prefix):
            if not _IDENTIFIER.fullmatch(name):
                raise ValueError(f"{name!r} is not a lower-case SQL identifier")
        if not _MESSAGE.fullmatch(self.message):
            raise ValueError(f"{self.message!r}: a trigger message is letters, digits and plain punctuation")

    def install_sql(self, vendor: str) -> list[str]:
        """Statements that install the guard; running them again changes nothing."""
        prefix, table = self.trigger_prefix, self.table
        if vendor == "postgresql":
            function = f"{prefix}_append_only()"
            return [
                f"CREATE OR REPLACE FUNCTION {function} RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '{self.message}'; END; $$ LANGUAGE plpgsql;",
                f"CREATE OR REPLACE TRIGGER {prefix}_no_update BEFORE UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function};",
                f"CREATE OR REPLACE TRIGGER {prefix}_no_delete BEFORE DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function};",
                f"CREATE OR REPLACE TRIGGER {prefix}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function};",
            ]
        _require_sqlite(vendor)
        return [
            f"CREATE TRIGGER IF NOT EXISTS {prefix}_no_{change} BEFORE {change.upper()} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{self.message}'); END;"
            for change in ("update", "delete")
        ]

    def remove_sql(self, vendor: str) -> list[str]:
        """Statements that remove the guard; nothing happens where it is not installed."""
        prefix, table = self.trigger_prefix, self.table
        if vendor == "postgresql":
            return [
                *(
                    f"DROP TRIGGER IF EXISTS {prefix}_no_{change} ON {table};"
                    for change in ("update", "delete", "truncate")
                ),
                f"DROP FUNCTION IF EXISTS {prefix}_append_only();",
            ]
        _require_sqlite(vendor)
        return [f"DROP TRIGGER IF EXISTS {prefix}_no_{change};" for change in ("update", "delete")]


def _require_sqlite(vendor: str) -> None:
    if vendor != "sqlite":
        raise ValueError(f"append-only guard for {vendor!r}: only SQLite and PostgreSQL are supported")


def _execute(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install_guard(connection: BaseDatabaseWrapper, table: AppendOnlyTable) -> None:
    _execute(connection, table.install_sql(connection.vendor))


def remove_guard(connection: BaseDatabaseWrapper, table: AppendOnlyTable) -> None:
    _execute(connection, table.remove_sql(connection.vendor))


_registry: dict[str, AppendOnlyTable] = {}


def register(table: AppendOnlyTable) -> None:
    """Make `ketacare flush` lift this table's guard (call it from the app's AppConfig.ready())."""
    known = _registry.get(table.table)
    if known is not None and known != table:
        raise ValueError(f"{table.table} is already registered as {known}")
    _registry[table.table] = table


def registered_tables() -> tuple[AppendOnlyTable, ...]:
    return tuple(_registry.values())


@contextmanager
def guards_lifted(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the block with every registered table's guard removed, in one transaction.

    The guard is put back when the block ends. If the block fails, the rollback puts it back, and
    other connections never see the tables unguarded (both databases roll back DDL).
    """
    connection = connections[using]
    with transaction.atomic(using=using):
        for table in registered_tables():
            remove_guard(connection, table)
        yield
        for table in registered_tables():
            install_guard(connection, table)
