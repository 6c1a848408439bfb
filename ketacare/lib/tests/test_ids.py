"""Ids from outside: only whole numbers a bigint primary key can hold count; the rest find nothing."""

import pytest
from pydantic import TypeAdapter, ValidationError

from ketacare.lib.ids import DB_ID_MAX, DbId, db_id_or_zero, is_db_id


def test_the_range_is_the_bigint_range():
    assert DB_ID_MAX == 9_223_372_036_854_775_807


@pytest.mark.parametrize("value", [1, 42, DB_ID_MAX])
def test_ids_in_range_are_kept(value):
    assert is_db_id(value) is True
    assert db_id_or_zero(value) == value


@pytest.mark.parametrize("value", [0, -1, DB_ID_MAX + 1, 2**64, True, False, None, "7", 7.0, [7]])
def test_anything_else_is_no_id_and_becomes_zero(value):
    assert is_db_id(value) is False
    assert db_id_or_zero(value) == 0


def test_an_out_of_range_foreign_key_lookup_finds_nothing_instead_of_overflowing(db):
    from django.contrib.auth.models import Permission  # a model of no app above lib

    assert not Permission.objects.filter(content_type_id=db_id_or_zero(2**63)).exists()


def test_the_api_type_accepts_the_range_and_names_the_bound_it_breaks():
    adapter = TypeAdapter(DbId)
    assert adapter.validate_python(DB_ID_MAX) == DB_ID_MAX
    for value, bound in ((0, "greater_than_equal"), (DB_ID_MAX + 1, "less_than_equal")):
        with pytest.raises(ValidationError) as exc:
            adapter.validate_python(value)
        assert exc.value.errors()[0]["type"] == bound
