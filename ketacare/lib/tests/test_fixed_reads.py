"""A fixed read builds its SQL once per connection and asks the database afresh on every call."""

import datetime as dt
from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from ketacare.lib.fixed_reads import FixedRead

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2031, 5, 6, 12, 0, tzinfo=dt.UTC)

# Session, Group and Permission stand for any model: lib tests may not import the apps above lib.
sessions_expiring = FixedRead(
    Session,
    lambda after, day, data: (
        Session.objects.filter(expire_date__gt=after, expire_date__date=day, session_data=data)
        .order_by("expire_date")
        .values_list("session_key", "expire_date")
    ),
    after=dt.datetime,
    day=dt.date,
    data=str,
)


def _session(key: str, expires: dt.datetime, data: str = "fixed") -> Session:
    return Session.objects.create(session_key=key, session_data=data, expire_date=expires)


def _read(after=NOON - dt.timedelta(hours=1), day=NOON.date(), data="fixed"):
    return sessions_expiring.rows(after=after, day=day, data=data)


def test_each_call_asks_the_database_with_its_own_values():
    _session("fixed-a", NOON)
    _session("other-b", NOON, data="other")
    assert _read() == [("fixed-a", NOON)]  # converted as the ORM converts: an aware datetime
    later = _session("fixed-c", NOON + dt.timedelta(hours=2))
    assert _read() == [("fixed-a", NOON), ("fixed-c", NOON + dt.timedelta(hours=2))]  # nothing kept but the SQL
    assert _read(after=NOON) == [("fixed-c", later.expire_date)]
    assert _read(data="other") == [("other-b", NOON)]
    assert _read(day=NOON.date() + dt.timedelta(days=1)) == []


def test_the_sql_is_built_once_per_connection():
    _session("fixed-a", NOON)
    _read()
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as built:
        assert _read(data="fixed") == [("fixed-a", NOON)]
        assert _read(data="nothing") == []
    assert built.call_count == 0


@pytest.mark.parametrize(
    "values",
    [
        {"after": None},
        {"after": NOON.replace(tzinfo=None)},  # naive: which zone?
        {"day": NOON},  # a datetime is a date, but not the date the SQL compares
        {"day": "2031-05-06"},
        {"data": 5},
    ],
)
def test_a_value_of_another_kind_is_refused(values):
    with pytest.raises(TypeError):
        _read(**values)


def test_a_call_names_exactly_the_parameters():
    with pytest.raises(TypeError):
        sessions_expiring.rows(after=NOON, day=NOON.date())
    with pytest.raises(TypeError):
        sessions_expiring.rows(after=NOON, day=NOON.date(), data="x", limit=3)


def test_a_read_that_cannot_be_fixed_is_refused():
    by_key = [("key", str)]
    with pytest.raises(TypeError):
        FixedRead(Session, lambda key: Session.objects.filter(session_key=key), key=list)
    with pytest.raises(TypeError, match="values_list"):  # dicts: neither instances nor values_list() tuples
        FixedRead(Session, lambda key: Session.objects.filter(session_key=key).values(), **dict(by_key)).rows(key="a")
    ignores_its_key = FixedRead(Session, lambda key: Session.objects.values_list("session_key"), **dict(by_key))
    with pytest.raises(ValueError, match="key"):
        ignores_its_key.rows(key="a")
    # A lookup that rewrites its value (here to "marker%") would need the same rewriting on every call.
    rewrites_its_key = FixedRead(
        Session, lambda key: Session.objects.filter(session_key__startswith=key).values_list("pk"), **dict(by_key)
    )
    with pytest.raises(ValueError, match="key"):
        rewrites_its_key.rows(key="a")


def _permissions_of(app_label: str):
    return (
        Permission.objects.filter(content_type__app_label=app_label)
        .select_related("content_type")
        .only("codename", "content_type__model")
    )


PERMISSIONS = FixedRead(Permission, _permissions_of, app_label=str)
GROUP_NAMES = FixedRead(
    Group, lambda group_id: Group.objects.filter(Q(pk=group_id) | Q(id=group_id)).values_list("name"), group_id=int
)


def _described(permissions) -> list[tuple]:
    return [(p.pk, p.codename, p.content_type.pk, p.content_type.model, p.get_deferred_fields()) for p in permissions]


def test_instances_are_those_the_queryset_gives_with_related_objects_and_deferred_fields():
    for app_label in ("auth", "contenttypes", "no such app"):
        assert _described(PERMISSIONS.models(app_label=app_label)) == _described(_permissions_of(app_label)), app_label
    read = PERMISSIONS.models(app_label="auth")
    assert read and {p.content_type.app_label for p in read} == {"auth"}  # deferred: read on first use
    assert read[0].get_deferred_fields() == {"name"} and read[0]._state.db == DEFAULT_DB_ALIAS


def test_rows_are_the_values_list_and_a_marker_used_twice_takes_the_value_in_both_places():
    group = Group.objects.create(name="Night shift")
    assert GROUP_NAMES.rows(group_id=group.pk) == [("Night shift",)]
    assert GROUP_NAMES.rows(group_id=group.pk + 1000) == []


def test_the_sql_of_model_reads_is_built_once_per_connection():
    PERMISSIONS.models(app_label="auth")
    GROUP_NAMES.rows(group_id=1)
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as as_sql:
        PERMISSIONS.models(app_label="contenttypes")
        GROUP_NAMES.rows(group_id=2)
    assert as_sql.call_count == 0
    delattr(connections[DEFAULT_DB_ALIAS], PERMISSIONS._attribute)  # as on a new connection wrapper
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as as_sql:
        PERMISSIONS.models(app_label="auth")
    assert as_sql.call_count == 1


def test_a_read_is_asked_the_way_it_was_built():
    with pytest.raises(TypeError, match="app_label"):
        PERMISSIONS.models(label="auth")
    with pytest.raises(TypeError, match="rows()"):
        GROUP_NAMES.models(group_id=1)
    with pytest.raises(TypeError, match="models()"):
        PERMISSIONS.rows(app_label="auth")
    through_relation = FixedRead(
        Permission, lambda content_type_id: ContentType(pk=content_type_id).permission_set.all(), content_type_id=int
    )
    with pytest.raises(ValueError, match="related manager"):
        through_relation.models(content_type_id=5)


GROUPS_BY_NAME = FixedRead(
    Group, lambda prefix: Group.objects.filter(name__gt=prefix).order_by("name").values_list("name"), prefix=str
)


def test_a_page_of_rows_is_the_slice_of_the_rows_in_one_query():
    Group.objects.bulk_create(Group(name=f"Shift {number:02}") for number in range(7))
    every = GROUPS_BY_NAME.rows(prefix="Shift")
    assert len(every) == 7
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as queries:
        assert GROUPS_BY_NAME.rows_between(2, 5, prefix="Shift") == every[2:5]
    assert len(queries) == 1
    assert GROUPS_BY_NAME.rows_between(5, 10, prefix="Shift") == every[5:]
    assert GROUPS_BY_NAME.rows_between(3, 3, prefix="Shift") == []  # an empty page is not "no limit"
    assert GROUPS_BY_NAME.rows_between(0, 2, prefix="Shift 03") == every[4:6]
    already_sliced = FixedRead(
        Group, lambda prefix: Group.objects.filter(name=prefix).values_list("name")[:1], prefix=str
    )
    with pytest.raises(TypeError, match="sliced"):
        already_sliced.rows_between(0, 5, prefix="Shift 01")
