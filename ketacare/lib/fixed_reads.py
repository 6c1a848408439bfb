"""Reads whose SQL the ORM builds once per database connection (issue 19, page throughput).

Turning a queryset into SQL (lookups, joins, selected columns, ordering, converters) costs Django 5.2 0.3-1 ms a
query; SQLite answers a small indexed read in a tenth of that, and a page of several such reads paid it on every
request. A read whose shape never changes, only its parameter values, is built once per connection with a
marker value for each parameter; each call runs that SQL with its own values and converts the rows as the ORM
would (dates, times, decimals, related objects). The database answers every call afresh: nothing is kept but
the SQL, so nothing read this way can be stale.

    chairs_at = FixedRead(
        Chair,
        lambda location_id: Chair.objects.filter(location_id=location_id).order_by("name").values_list("id", "name"),
        location_id=int,
    )
    chairs_at.rows(location_id=location.pk)  # -> [(1, "Chair 1"), ...], as the values_list() gives
    consents_of.models(patient_id=patient.pk)  # model instances with their select_related objects and deferrals
    listed.rows_between(25, 50, organisation_id=7)  # rows()[25:50] in one query (the backend's LIMIT/OFFSET)

The compiled form is kept on the connection wrapper (one per thread and alias) and goes when it goes. Relies on
the compiler's `select`/`klass_info` as Django 5.2 fills them for ModelIterable: lib/tests/test_fixed_reads.py
pins what the reads return.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

# The kinds of parameter a fixed read takes, each with the marker the SQL is built with: values no row or
# constant of a query has, so that their places among the built query's parameters are unambiguous.
_MARKERS: dict[type, Callable[[int], Any]] = {
    int: lambda index: -719_304_517 - index,
    str: lambda index: f"\x00fixed-read-marker-{index}",
    dt.date: lambda index: dt.date(1901, 2, 3) + dt.timedelta(days=index),
    dt.datetime: lambda index: dt.datetime(1901, 2, 3, 4, 5, 6, 789_012, tzinfo=dt.UTC) + dt.timedelta(days=index),
}


def _db_value(value: Any, connection: Any) -> Any:
    """`value` as the ORM passes it to the database for a field of its kind (the fields' get_db_prep_value)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _kind_name(kind: type) -> str:
    return "an aware datetime" if kind is dt.datetime else kind.__name__


@dataclass(frozen=True)
class _Built:
    sql: str
    params: tuple[Any, ...]
    places: dict[str, list[int]]  # parameter name -> its indexes in params
    compiler: Any  # the SQL compiler, kept to apply its row converters
    converters: dict[int, Any]  # the columns' converters, worked out once (results_iter would on every call)
    is_sliced: bool
    # For reads of model instances (empty for values_list() reads): the model's columns and related objects.
    init_list: list[str]
    model_fields: slice
    related_populators: list[Any]


class FixedRead:
    """A read of `model` built once per connection by `build(**parameters)`: a queryset of model instances
    (read with `models()`) or a values_list() (read with `rows()`).

    `parameters` name each parameter's kind (int, str, datetime.date or an aware datetime.datetime). `build`
    must give a query of the same shape whatever the values (no None, no lists of varying length: those change
    the SQL); a call refuses a value of another kind or None rather than answer a different question. A lookup
    that rewrites its value (`__startswith`, `__contains`: "marker%") is refused when first built.
    """

    def __init__(self, model: type[Model], build: Callable[..., QuerySet[Any, Any]], **parameters: type) -> None:
        for name, kind in parameters.items():
            if kind not in _MARKERS:
                raise TypeError(f"{name}: a fixed read takes int, str, date or datetime, not {kind.__name__}")
        self.model, self.build, self.parameters = model, build, parameters
        # Kept on each connection wrapper (one per thread and alias), so it goes when the wrapper goes.
        self._attribute = f"ketacare_fixed_read_{id(self)}"

    def _built(self, connection: Any) -> _Built:
        built: _Built | None = getattr(connection, self._attribute, None)
        if built is None:
            built = self._build(connection)
            setattr(connection, self._attribute, built)
        return built

    def _build(self, connection: Any) -> _Built:
        markers = {name: _MARKERS[kind](index) for index, (name, kind) in enumerate(self.parameters.items())}
        queryset = self.build(**markers)
        if queryset.model is not self.model or queryset._known_related_objects:  # type: ignore[attr-defined]
            raise ValueError("Build the queryset from the model's own manager, not a related manager")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        places = {
            name: [index for index, param in enumerate(params) if param == _db_value(marker, connection)]
            for name, marker in markers.items()
        }
        unplaced = [name for name, indexes in places.items() if not indexes]
        if unplaced:
            raise ValueError(f"The query does not take {', '.join(unplaced)} as a parameter")
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(columns):
            raise TypeError("A fixed read does not read composite fields")
        init_list: list[str] = []
        model_fields = slice(0)
        related_populators: list[Any] = []
        if queryset._iterable_class is ModelIterable:
            if compiler.annotation_col_map:
                raise TypeError("Annotations are not read into the instances: select them with values_list()")
            select, klass_info = compiler.select, compiler.klass_info
            fields = klass_info["select_fields"]
            model_fields = slice(fields[0], fields[-1] + 1)
            init_list = [column[0].target.attname for column in select[model_fields]]
            # django-stubs describe a later Django's signature (with fetch_mode); 5.2's takes these three.
            related_populators = get_related_populators(klass_info, select, connection.alias)  # type: ignore[call-arg]
        elif queryset._iterable_class is not ValuesListIterable:
            raise TypeError("A fixed read is a queryset of model instances or a values_list()")
        return _Built(
            sql,
            tuple(params),
            places,
            compiler,
            compiler.get_converters(columns),
            queryset.query.is_sliced,
            init_list,
            model_fields,
            related_populators,
        )

    def _run(
        self, alias: str, values: dict[str, Any], *, models: bool, limit_offset: tuple[int, int] | None = None
    ) -> tuple[_Built, list[Any]]:
        if values.keys() != self.parameters.keys():
            raise TypeError(f"A fixed read takes {', '.join(self.parameters)}")
        connection = connections[alias]
        built = self._built(connection)
        if bool(built.init_list) is not models:
            raise TypeError("Read instances with models() and values_list() tuples with rows()")
        params = list(built.params)
        for name, value in values.items():
            kind = self.parameters[name]
            # A bool is an int and a datetime a date, but neither is what the SQL was built for; a naive
            # datetime would be read in another zone than the caller meant.
            if (
                not isinstance(value, kind)
                or isinstance(value, bool)
                or (kind is dt.date and isinstance(value, dt.datetime))
                or (isinstance(value, dt.datetime) and value.tzinfo is None)
            ):
                raise TypeError(f"{name}: expected {_kind_name(kind)}, got {value!r}")
            for index in built.places[name]:
                params[index] = _db_value(value, connection)
        sql = built.sql
        if limit_offset is not None:
            if built.is_sliced:
                raise TypeError("The query is sliced already: read it with rows()")
            # The clause the compiler would have put at the end of the same SQL.
            sql = f"{sql} {connection.ops.limit_offset_sql(*limit_offset)}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if built.converters:
            converted = built.compiler.apply_converters(rows, built.converters)  # lists
            rows = list(converted) if models else [tuple(row) for row in converted]
        return built, rows

    def rows(self, **values: Any) -> list[tuple[Any, ...]]:
        """The tuples the values_list() queryset gives for these values (one query)."""
        return self._run(router.db_for_read(self.model), values, models=False)[1]

    def rows_between(self, start: int, stop: int, **values: Any) -> list[tuple[Any, ...]]:
        """rows()[start:stop] in one query, as a paginator slices a page."""
        if stop <= start:  # no LIMIT clause would mean no limit
            return []
        return self._run(router.db_for_read(self.model), values, models=False, limit_offset=(start, stop))[1]

    def models(self, **values: Any) -> list[Any]:
        """The instances the queryset gives for these values, with their select_related objects (one query)."""
        alias = router.db_for_read(self.model)
        built, rows = self._run(alias, values, models=True)
        instances = []
        for row in rows:
            instance = self.model.from_db(alias, built.init_list, row[built.model_fields])
            for populator in built.related_populators:
                populator.populate(row, instance)
            instances.append(instance)
        return instances
