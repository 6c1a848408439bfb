"""Which check-in and pre-session checklist items a session needs.

Fasting and a driver home: CLINICAL.md §2 (esketamine: no food 2 h before; no driving until the
next day, arrange transport) and the protocol's preparation instructions for other routes.
Today's weight only where the dose is weight-based. The pregnancy test is a clinic setting.
"""

from collections.abc import Iterable

BASE_ITEMS = ("identity", "questionnaires", "fasting", "driver", "interacting_medicines")


def required_items(*, weight_based: bool, pregnancy_test_required: bool) -> tuple[str, ...]:
    items = list(BASE_ITEMS)
    if weight_based:
        items.insert(2, "weight")
    if pregnancy_test_required:
        items.append("pregnancy_test")
    return tuple(items)


def missing_items(required: Iterable[str], passed: Iterable[str]) -> list[str]:
    """Required items not yet answered 'yes', in checklist order."""
    done = set(passed)
    return [item for item in required if item not in done]
