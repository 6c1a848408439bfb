"""sql_built_for: which models' SQL the ORM builds during a test, to pin that a read is a lib/fixed_reads.py
FixedRead (its SQL built once per connection) and stays one."""

import pytest
from django.db.models.sql.compiler import SQLCompiler


@pytest.fixture
def sql_built_for(monkeypatch) -> list:
    """The models whose queries' SQL the ORM builds from now on, in order (clear() it after a warm-up read)."""
    built: list = []
    build = SQLCompiler.as_sql

    def recording_build(compiler, *args, **kwargs):
        built.append(compiler.query.model)
        return build(compiler, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", recording_build)
    return built
