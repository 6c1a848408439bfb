"""URLs reversed once per process instead of once per use (issue 19, page throughput).

`reverse()` (and the `{% url %}` tag) costs ~40 µs a call: the resolver's lookup, its checks and quoting. A
page pays that for every link of the navigation and for every row of a list. What it returns depends only
on the pattern, the arguments, the script prefix and the URLconf, so:

- `url_of(name)`: a URL without arguments (the navigation's links), reversed once;
- `url_with_id(name, pk)`: a pattern with one integer argument (a list's row links), reversed once with a
  marker id whose place in the result takes each row's id.

Both are keyed by the script prefix and the URLconf in force, so a deployment under a sub-path or a test
with another URLconf gets its own answers. Reading those two costs more than the cached answer (two
context-local lookups), so a page that needs many links reads them once: `urls_of()` for the navigation's
names, `urls_with_id(name)` for the rows of a list, `urls_for_id(pk)` for one record's many pages and
`urls_with_last_id(name, *leading)` for rows under a record (/patients/7/diagnoses/<pk>/status/).
"""

from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# An id no row has: its digits in the reversed URL mark where a row's id goes.
_MARKER_ID = 9_876_543_210


def _urlconf() -> str:
    return get_urlconf() or settings.ROOT_URLCONF


@lru_cache(maxsize=512)
def _reversed(name: str, script_prefix: str, urlconf: str) -> str:
    return reverse(name, urlconf=urlconf)


# Markers for the arguments of a pattern with several ids, in their order in the path (none contains another).
_MARKER_IDS = (_MARKER_ID, _MARKER_ID + 1, _MARKER_ID + 2)


@lru_cache(maxsize=512)
def _between_ids(name: str, count: int, script_prefix: str, urlconf: str) -> tuple[str, ...]:
    """The URL of `name` split around its `count` id arguments (count + 1 parts)."""
    rest = reverse(name, args=_MARKER_IDS[:count], urlconf=urlconf)
    parts = []
    for marker in _MARKER_IDS[:count]:
        before, found, rest = rest.partition(str(marker))
        if not found:
            raise ValueError(f"{name} does not take its arguments as path segments in their order")
        parts.append(before)
    return (*parts, rest)


def url_of(name: str) -> str:
    """reverse(name) for a URL without arguments."""
    return _reversed(name, get_script_prefix(), _urlconf())


def url_with_id(name: str, pk: int) -> str:
    """reverse(name, args=[pk]) for a pattern whose one argument is an `<int:...>` id."""
    return urls_with_id(name)(pk)


def urls_of() -> Callable[[str], str]:
    """url_of for many names, with the script prefix and URLconf in force now."""
    script_prefix, urlconf = get_script_prefix(), _urlconf()
    return lambda name: _reversed(name, script_prefix, urlconf)


def urls_with_id(name: str) -> Callable[[int], str]:
    """url_with_id(name, pk) for many ids (the rows of a list), with the script prefix and URLconf in force now."""
    return urls_with_last_id(name)


def urls_for_id(pk: int) -> Callable[[str], str]:
    """url_with_id(name, pk) for many names and one id (a record's links to its pages), with the script prefix and
    URLconf in force now."""
    script_prefix, urlconf = get_script_prefix(), _urlconf()

    def url(name: str) -> str:
        if not isinstance(pk, int) or pk < 0:  # what is no id is refused as reverse() refuses it
            return reverse(name, args=[pk])
        before, after = _between_ids(name, 1, script_prefix, urlconf)
        return f"{before}{pk}{after}"

    return url


def urls_with_last_id(name: str, *leading: int) -> Callable[[int], str]:
    """reverse(name, args=[*leading, pk]) for many pks (a record's rows, each under the record:
    /patients/7/diagnoses/<pk>/status/), the pattern reversed once per process like urls_with_id's."""
    ids_in_path = all(isinstance(pk, int) and pk >= 0 for pk in leading)
    if not ids_in_path or len(leading) >= len(_MARKER_IDS):
        return lambda pk: reverse(name, args=[*leading, pk])
    parts = _between_ids(name, len(leading) + 1, get_script_prefix(), _urlconf())
    before = "".join(f"{part}{pk}" for part, pk in zip(parts, leading, strict=False)) + parts[len(leading)]
    after = parts[-1]

    def url(pk: int) -> str:
        if not isinstance(pk, int) or pk < 0:  # what is no id is refused as reverse() refuses it
            return reverse(name, args=[*leading, pk])
        return f"{before}{pk}{after}"

    return url
