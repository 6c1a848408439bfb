"""Settings from environment variables: typed readers that name the variable they cannot read."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from ketacare.lib.env import (
    PREPARE_THRESHOLD,
    SettingError,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    sqlite_database,
)

NAME = "KETACARE_TEST_VARIABLE"


@pytest.fixture(autouse=True)
def _unset(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    monkeypatch.delenv(f"{NAME}_FILE", raising=False)


def test_a_setting_error_names_its_variable_first_and_is_an_improperly_configured():
    error = SettingError(NAME, "is required")
    assert (str(error), error.variable) == (f"{NAME} is required", NAME)
    assert isinstance(error, ImproperlyConfigured)


def test_unset_and_empty_variables_give_the_default(monkeypatch):
    assert env_str(NAME, "fallback") == "fallback"
    assert env_bool(NAME, True) is True
    assert env_int(NAME, 7) == 7
    assert env_list(NAME, ["a"]) == ["a"]
    monkeypatch.setenv(NAME, "")
    assert env_bool(NAME, False) is False
    assert env_int(NAME, 7) == 7


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1", True),
        ("TRUE", True),
        ("yes", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
    ],
)
def test_booleans(monkeypatch, raw, value):
    monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME, not value) is value


def test_a_boolean_that_is_neither_names_the_variable(monkeypatch):
    monkeypatch.setenv(NAME, "maybe")
    with pytest.raises(SettingError, match=f"^{NAME} must be true or false, not 'maybe'$"):
        env_bool(NAME, False)


def test_whole_numbers_with_a_minimum(monkeypatch):
    monkeypatch.setenv(NAME, "15")
    assert env_int(NAME, 1, minimum=1) == 15
    monkeypatch.setenv(NAME, "0")
    with pytest.raises(SettingError, match=f"^{NAME} must be at least 1, not 0$"):
        env_int(NAME, 1, minimum=1)
    monkeypatch.setenv(NAME, "1.5")
    with pytest.raises(SettingError, match=f"^{NAME} must be a whole number, not '1.5'$"):
        env_int(NAME, 1)


def test_lists_are_comma_separated_without_blanks(monkeypatch):
    monkeypatch.setenv(NAME, " a.example, ,b.example ")
    assert env_list(NAME, []) == ["a.example", "b.example"]


def test_a_secret_comes_from_the_variable_or_the_file_it_names(monkeypatch, tmp_path):
    monkeypatch.setenv(NAME, "from-variable")
    assert env_secret(NAME) == "from-variable"
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-file\n")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret_file))
    assert env_secret(NAME) == "from-file"
    monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "missing"))
    with pytest.raises(SettingError, match=f"^{NAME}_FILE cannot be read: ") as info:
        env_secret(NAME)
    assert info.value.variable == f"{NAME}_FILE"


def test_database_urls():
    postgresql = database_from_url("postgresql://clinic:p%40ss@db.internal:5433/ketacare?sslmode=require")
    assert postgresql["ENGINE"] == "django.db.backends.postgresql"
    assert (postgresql["NAME"], postgresql["USER"], postgresql["PASSWORD"]) == ("ketacare", "clinic", "p@ss")
    assert (postgresql["HOST"], postgresql["PORT"], postgresql["OPTIONS"]) == (
        "db.internal",
        "5433",
        {"sslmode": "require", "server_side_binding": True, "prepare_threshold": PREPARE_THRESHOLD},
    )
    assert database_from_url("sqlite:////srv/ketacare.db") == sqlite_database("/srv/ketacare.db")
    assert database_from_url("sqlite:///relative.db")["NAME"] == "relative.db"
    assert database_from_url("sqlite://")["NAME"] == ":memory:"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql://db.internal/", "DATABASE_URL names no database"),
        ("mysql://db.internal/ketacare", "DATABASE_URL scheme 'mysql' is not supported (use sqlite or postgresql)"),
        (
            "postgresql://db/k?prepare_threshold=often",
            "DATABASE_URL prepare_threshold must be a whole number or off, not 'often'",
        ),
        ("postgresql://db/k?prepare_threshold=-1", "DATABASE_URL prepare_threshold must be at least 0, not -1"),
        (
            "postgresql://db/k?server_side_binding=maybe",
            "DATABASE_URL server_side_binding must be true or false, not 'maybe'",
        ),
    ],
)
def test_an_unusable_database_url_names_the_variable(url, problem):
    with pytest.raises(SettingError, match=f"^{re.escape(problem)}$") as info:
        database_from_url(url)
    assert info.value.variable == "DATABASE_URL"


def test_sqlite_takes_the_write_lock_at_the_start_of_a_transaction():
    assert sqlite_database("x.db")["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_connections_are_kept_between_requests_on_both_databases():
    # Opening SQLite anew cost each request ~4 ms (issue 19); PostgreSQL's also pays a connection handshake.
    assert sqlite_database("x.db")["CONN_MAX_AGE"] > 0
    assert database_from_url("postgresql://u:p@db/ketacare")["CONN_MAX_AGE"] > 0


@pytest.mark.parametrize(
    ("query", "binding", "threshold"),
    [
        ("", True, PREPARE_THRESHOLD),
        ("?prepare_threshold=5", True, 5),
        # A pooler in transaction mode cannot keep a session's prepared statements.
        ("?prepare_threshold=off", True, None),
        ("?server_side_binding=false", False, None),
    ],
)
def test_postgresql_prepares_repeated_statements_unless_told_not_to(query, binding, threshold):
    options = database_from_url(f"postgresql://u:p@db/ketacare{query}")["OPTIONS"]
    assert (options["server_side_binding"], options["prepare_threshold"]) == (binding, threshold)
