"""Search filters shared by the mappers: FHIR date, token and string matching as Django lookups."""

from collections.abc import Callable

from django.db.models import Q, QuerySet

from ketacare.fhir.domain.search import DateRange, SearchError, Token, parse_date, parse_token
from ketacare.fhir.registry import Filter


def any_of(build: Callable[[str], Q]) -> Filter:
    """Comma-separated alternatives are ORed; repeated parameters are ANDed (FHIR R4 §3.1.1.3)."""

    def apply(rows: QuerySet, values: list[list[str]]) -> QuerySet:
        for alternatives in values:
            condition = Q(pk__in=[])
            for value in alternatives:
                condition |= build(value)
            rows = rows.filter(condition)
        return rows

    return apply


def _date_q(path: str, when: DateRange, *, is_date: bool) -> Q:
    start, end = (when.start.date(), when.end.date()) if is_date else (when.start, when.end)
    return {
        "eq": Q(**{f"{path}__gte": start, f"{path}__lt": end}),
        "ge": Q(**{f"{path}__gte": start}),
        "gt": Q(**{f"{path}__gte": end}),
        "le": Q(**{f"{path}__lt": end}),
        "lt": Q(**{f"{path}__lt": start}),
    }[when.prefix]


def date_filter(name: str, path: str, *, is_date: bool = False) -> Filter:
    return any_of(lambda value: _date_q(path, parse_date(name, value), is_date=is_date))


def token_filter(name: str, match: Callable[[Token], Q]) -> Filter:
    """`match` turns one parsed token into a condition (Q(pk__in=[]) when nothing can match; never an empty Q(),
    which an OR would drop)."""
    return any_of(lambda value: match(parse_token(name, value)))


def fixed_token(name: str, codes: dict[str, set[str]]) -> Filter:
    """For a source whose rows all carry the same codes ({system: {code, ...}}): all rows or none."""

    def match(token: Token) -> Q:
        systems = codes.items() if token.system is None else [(token.system, codes.get(token.system, set()))]
        return Q(pk__isnull=False) if any(token.code in known for _, known in systems) else Q(pk__in=[])

    return token_filter(name, match)


def choice_token(name: str, path: str, system: str | None, mapping: dict[str, str | list[str]]) -> Filter:
    """A token naming FHIR codes stored as our own values: {fhir code: stored value(s)}."""

    def match(token: Token) -> Q:
        if token.system not in (None, system):
            return Q(pk__in=[])
        if token.code not in mapping:
            raise SearchError(name, f"{token.code!r} is not one of {', '.join(mapping)}")
        stored = mapping[token.code]
        return Q(**{f"{path}__in": stored if isinstance(stored, list) else [stored]})

    return token_filter(name, match)
