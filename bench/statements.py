"""Counting what a block of code sends to the database, for the benchmarks that report statements.

Django's query log shows the statements it executes (queries, SAVEPOINTs) but not a transaction's
BEGIN and COMMIT on PostgreSQL (psycopg sends those itself), and each is a round trip too: they are
added here. On SQLite, Django executes BEGIN itself, so it is already in the log.
"""

from collections import Counter
from unittest import mock


class Statements:
    """Within `with Statements() as counted:` every statement sent on the default connection, in order."""

    def __init__(self):
        from django.db import connections

        self.connection = connections["default"]
        self.sql: list[str] = []

    def _record(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)

    def __enter__(self):
        connection = self.connection
        real_set_autocommit, real_commit, real_rollback = (
            connection.set_autocommit,
            connection.commit,
            connection.rollback,
        )

        def set_autocommit(autocommit, *args, **kwargs):
            if not autocommit and connection.vendor == "postgresql" and connection.get_autocommit():
                self.sql.append("BEGIN")
            return real_set_autocommit(autocommit, *args, **kwargs)

        def commit():
            self.sql.append("COMMIT")
            return real_commit()

        def rollback():
            self.sql.append("ROLLBACK")
            return real_rollback()

        self._patches = [
            mock.patch.object(connection, "set_autocommit", set_autocommit),
            mock.patch.object(connection, "commit", commit),
            mock.patch.object(connection, "rollback", rollback),
        ]
        for patch in self._patches:
            patch.start()
        self._wrapper = connection.execute_wrapper(self._record)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc_info):
        self._wrapper.__exit__(*exc_info)
        for patch in reversed(self._patches):
            patch.stop()

    def __len__(self) -> int:
        return len(self.sql)

    def kinds(self) -> Counter:
        """Statements by their first word(s): SELECT, INSERT, UPDATE, WITH, SAVEPOINT, BEGIN, COMMIT..."""
        return Counter(sql.split(None, 1)[0].upper() for sql in self.sql)

    def count(self, fragment: str) -> int:
        return sum(fragment in sql for sql in self.sql)
