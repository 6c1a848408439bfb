"""The append-only guard refuses UPDATE, DELETE (and TRUNCATE on PostgreSQL) in the database itself."""

import pytest
from django.db import DatabaseError, connection, transaction

from ketacare.lib import append_only
from ketacare.lib.append_only import AppendOnlyTable, guards_lifted, install_guard, registered_tables, remove_guard

pytestmark = pytest.mark.django_db

SCRATCH = AppendOnlyTable(table="lib_scratch_record", trigger_prefix="lib_scratch", message="scratch is append-only")
ON_POSTGRESQL = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")


def _execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _refused(sql: str, message: str = SCRATCH.message) -> bool:
    try:
        with transaction.atomic():  # a savepoint: PostgreSQL aborts the transaction on an error
            _execute(sql)
    except DatabaseError as exc:
        assert message in str(exc)
        return True
    return False


def _count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {SCRATCH.table}")
        return cursor.fetchone()[0]


def _trigger_names(table: str) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
        return {name for (name,) in cursor.fetchall()}


def _expected_trigger_names(table: AppendOnlyTable) -> set[str]:
    changes = ("update", "delete", "truncate") if connection.vendor == "postgresql" else ("update", "delete")
    return {f"{table.trigger_prefix}_no_{change}" for change in changes}


@pytest.fixture
def scratch():
    """A guarded table with two rows; created inside the test's transaction, so it goes with it."""
    _execute(f"CREATE TABLE {SCRATCH.table} (id integer PRIMARY KEY, note varchar(20))")
    _execute(f"INSERT INTO {SCRATCH.table} (id, note) VALUES (1, 'first'), (2, 'second')")
    install_guard(connection, SCRATCH)
    return SCRATCH


def test_update_and_delete_are_refused_and_insert_still_works(scratch):
    assert _refused(f"UPDATE {scratch.table} SET note = 'changed'")
    assert _refused(f"DELETE FROM {scratch.table} WHERE id = 1")
    _execute(f"INSERT INTO {scratch.table} (id, note) VALUES (3, 'third')")
    assert _count() == 3


@ON_POSTGRESQL
def test_postgresql_refuses_truncate(scratch):
    assert _refused(f"TRUNCATE {scratch.table}")
    assert _count() == 2


def test_installing_again_changes_nothing(scratch):
    install_guard(connection, scratch)
    assert _trigger_names(scratch.table) == _expected_trigger_names(scratch)
    assert _refused(f"DELETE FROM {scratch.table}")


def test_removing_the_guard_allows_changes(scratch):
    remove_guard(connection, scratch)
    assert _trigger_names(scratch.table) == set()
    assert not _refused(f"UPDATE {scratch.table} SET note = 'changed'")
    assert not _refused(f"DELETE FROM {scratch.table}")
    remove_guard(connection, scratch)  # removing what is not there is no error


def test_guards_lifted_allows_changes_in_the_block_only(scratch, monkeypatch):
    monkeypatch.setitem(append_only._registry, scratch.table, scratch)
    with guards_lifted():
        _execute(f"DELETE FROM {scratch.table} WHERE id = 1")
    assert _count() == 1
    assert _refused(f"DELETE FROM {scratch.table}")


def test_a_failing_block_leaves_the_guard_in_place(scratch, monkeypatch):
    monkeypatch.setitem(append_only._registry, scratch.table, scratch)
    with pytest.raises(RuntimeError), guards_lifted():
        _execute(f"DELETE FROM {scratch.table} WHERE id = 1")
        raise RuntimeError("the flush failed")
    assert _count() == 2  # rolled back with the block
    assert _trigger_names(scratch.table) == _expected_trigger_names(scratch)


def test_every_registered_table_has_its_triggers_after_migrating():
    tables = registered_tables()
    assert tables, "the apps register their append-only tables in AppConfig.ready()"
    for table in tables:
        assert _trigger_names(table.table) == _expected_trigger_names(table), table.table


@ON_POSTGRESQL
def test_postgresql_refuses_truncate_of_every_registered_table():
    for table in registered_tables():
        assert _refused(f"TRUNCATE {table.table} CASCADE", table.message), table.table


def test_a_table_is_registered_once():
    table = registered_tables()[0]
    append_only.register(table)  # the same declaration again (a second ready()) is harmless
    assert registered_tables().count(table) == 1
    with pytest.raises(ValueError, match="already registered"):
        append_only.register(AppendOnlyTable(table.table, "other_prefix", table.message))


@pytest.mark.parametrize(
    ("table", "prefix", "message"),
    [
        ("audit; DROP TABLE x", "guard", "refused"),
        ("records", "Guard", "refused"),
        ("records", "guard", "it's refused"),
    ],
)
def test_names_that_could_break_the_sql_are_refused(table, prefix, message):
    with pytest.raises(ValueError):
        AppendOnlyTable(table, prefix, message)


def test_other_databases_are_refused_rather_than_given_sqlite_sql():
    with pytest.raises(ValueError, match="only SQLite and PostgreSQL"):
        SCRATCH.install_sql("mysql")
    with pytest.raises(ValueError, match="only SQLite and PostgreSQL"):
        SCRATCH.remove_sql("mysql")
