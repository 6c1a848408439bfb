"""What may stop a location from being archived, asked of the apps above clinics.

Clinics owns locations, but what happens at one (appointments, courses) lives on higher floors.
Each such app registers a check here from its AppConfig.ready() (scheduling: future appointments),
so clinics imports nothing of them. `do_archive_location` (and a time-zone change, which would move
every local time booked there) asks every check and refuses while any names something, listing it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketacare.clinics.models import Location


@dataclass(frozen=True)
class BlockingItem:
    """Something still planned at a location: what it is, and the page where staff can move or cancel it."""

    label: str
    url: str


# What is still planned at `location`; [] when nothing stops the archive.
LocationArchiveCheck = Callable[["Location"], list[BlockingItem]]

_checks: dict[str, LocationArchiveCheck] = {}


def register_location_archive_check(name: str, check: LocationArchiveCheck) -> None:
    """Ask `check` before a location is archived. Registering a name again replaces its check, so an
    app's ready() running twice does not ask the same check twice."""
    _checks[name] = check


def location_archive_blockers(location: "Location") -> list[BlockingItem]:
    """Every registered check's items for `location`, in registration order."""
    return [item for check in _checks.values() for item in check(location)]
