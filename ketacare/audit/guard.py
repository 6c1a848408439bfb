"""Database triggers that make the audit table append-only.

The app never updates or deletes audit rows, so the triggers cost nothing in
normal use; they stop a bug, a shell session or an ORM bulk call from rewriting
history. Someone with owner rights can still drop them: the hash chain and
`ketacare audit verify` catch what they change then.
"""

SQLITE_INSTALL = [
    "CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;",
    "CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON audit_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update;",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete;",
]
POSTGRESQL_INSTALL = [
    """CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit trail is append-only'; END; $$ LANGUAGE plpgsql;""",
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE OR DELETE ON audit_auditentry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only();",
]
POSTGRESQL_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update ON audit_auditentry;",
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;",
    "DROP FUNCTION IF EXISTS audit_entry_append_only();",
]


def _run(connection, statements) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install_guard(connection) -> None:
    _run(connection, POSTGRESQL_INSTALL if connection.vendor == "postgresql" else SQLITE_INSTALL)


def remove_guard(connection) -> None:
    _run(connection, POSTGRESQL_REMOVE if connection.vendor == "postgresql" else SQLITE_REMOVE)
