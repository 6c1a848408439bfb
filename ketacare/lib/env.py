"""Typed readers for settings that come from environment variables.

Each helper fails loudly (SettingError) on a value it cannot read, so a typo in
a deployment stops the process at start instead of running with a default
nobody chose; `ketacare` prints the error as one line naming the variable.
"""

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured


class SettingError(ImproperlyConfigured):
    """An environment variable a setting needs is missing or unreadable; the message starts with its name."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable} {problem}")
        self.variable = variable


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise SettingError(name, f"must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(name, f"must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise SettingError(name, f"must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the file named by NAME_FILE (container secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise SettingError(f"{name}_FILE", f"cannot be read: {exc}") from None
    return os.environ.get(name, default)


def database_from_url(url: str) -> dict[str, Any]:
    """Django DATABASES entry from sqlite:///path or postgresql://user:pw@host:port/name."""
    parts = urlsplit(url)
    options: dict[str, Any] = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        # sqlite:///relative.db -> "relative.db"; sqlite:////abs.db -> "/abs.db"
        return sqlite_database(path[1:] or ":memory:")
    if parts.scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        if not parts.path.strip("/"):
            raise SettingError("DATABASE_URL", "names no database")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": _postgresql_statement_options(options),
        }
    raise SettingError("DATABASE_URL", f"scheme {parts.scheme!r} is not supported (use sqlite or postgresql)")


# Statements a connection has run this many times are prepared on the server: PostgreSQL parses and plans
# them once per connection instead of on every request. Planning was most of the server's work on a page
# (the chart's 14 reads: 5.4 → 1.8 ms of PostgreSQL CPU per request; issue 19). Needs server-side parameter
# binding; a pooler in transaction mode (pgbouncer before 1.21) cannot keep prepared statements, so
# ?prepare_threshold=off (or ?server_side_binding=false) turns both off there.
PREPARE_THRESHOLD = 2


def _postgresql_statement_options(options: dict[str, Any]) -> dict[str, Any]:
    binding = options.pop("server_side_binding", "true").lower()
    if binding not in _TRUE | _FALSE:
        raise SettingError("DATABASE_URL", f"server_side_binding must be true or false, not {binding!r}")
    threshold = options.pop("prepare_threshold", str(PREPARE_THRESHOLD)).lower()
    if binding in _FALSE or threshold in _FALSE | {"none"}:
        return {**options, "server_side_binding": binding in _TRUE, "prepare_threshold": None}
    try:
        prepare_threshold = int(threshold)
    except ValueError:
        raise SettingError(
            "DATABASE_URL", f"prepare_threshold must be a whole number or off, not {threshold!r}"
        ) from None
    if prepare_threshold < 0:
        raise SettingError("DATABASE_URL", f"prepare_threshold must be at least 0, not {prepare_threshold}")
    return {**options, "server_side_binding": True, "prepare_threshold": prepare_threshold}


def sqlite_database(name: str) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        # Kept open between requests, as PostgreSQL's are: opening SQLite anew (the file, the WAL pragmas, the
        # schema parsed again, every statement prepared again, a cold page cache) cost each request ~4 ms, four
        # times a bare signed-in request's own work (issue 19).
        "CONN_MAX_AGE": 60,
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so a transaction that
            # checks then writes (hash chain, bookings) cannot interleave.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
