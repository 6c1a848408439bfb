"""Which time zone a page shows its times in: one rule, activated per request.

Times are stored in UTC. A page shows them in one zone, activated with django.utils.timezone for
the request, and templates format the aware UTC datetimes with the standard |date and |time filters
(which convert to the active zone). Never hand a template a datetime already converted with
astimezone(): |date converts it back to the active zone.

The rule (ARCHITECTURE.md, "Add a page", step 5):
- a page about one location (a course, the day list, a session's chart, a location's calendar)
  shows that location's zone: the view calls `show_times_in(location.zone)`;
- a staff member's own pages (their calendar, shifts and leave) show their home location's zone:
  `show_times_in(zone_of_staff(person))` (scheduling: the home location, else where their shifts are);
- any other page shows the viewer's zone, which the middleware (accounts.middleware.DisplayZoneMiddleware)
  activates for every request: `zone_of_user(request.user)`.
Wherever two zones can meet (the inbox, the audit trail, a list spanning locations) the page prints
the zone next to each time (|date:"… T").
"""

import functools
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone


@functools.cache
def _known_zones() -> frozenset[str]:
    # available_timezones() walks the tz database on disk each call; zones asked on every request.
    return frozenset(zoneinfo.available_timezones())


def is_known_zone(name: str) -> bool:
    return name in _known_zones()


def known_zone_names() -> list[str]:
    """Every zone a location may be in, sorted (for a form's choices)."""
    return sorted(_known_zones())


def validate_zone_name(value: str) -> None:
    if value and not is_known_zone(value):
        raise ValidationError(f"{value!r} is not a known IANA time zone (e.g. America/New_York).")


def zone_of_user(user: Any) -> zoneinfo.ZoneInfo:
    """The zone a person's pages are shown in: their chosen zone, else their home location's, else
    their organisation's first active location's (by name), else the server's (UTC)."""
    name = ""
    if user is not None and getattr(user, "is_authenticated", False):
        name = getattr(user, "time_zone", "") or _home_zone_name(user)
    return zoneinfo.ZoneInfo(name if name and is_known_zone(name) else settings.TIME_ZONE)


def _home_zone_name(user: Any) -> str:
    # Related rows by attribute only: lib sits below every app (ARCHITECTURE.md, floors).
    home = getattr(user, "home_location", None)
    if home is not None:
        return str(home.time_zone)
    patient_record = getattr(user, "patient_record", None) if getattr(user, "is_patient", False) else None
    if patient_record is not None and patient_record.home_location_id:
        return str(patient_record.home_location.time_zone)
    organisation = getattr(user, "organisation", None)
    if organisation is not None:
        first = organisation.locations.order_by("-is_active", "name").values_list("time_zone", flat=True).first()
        if first:
            return str(first)
    return ""


def show_times_in(zone: zoneinfo.ZoneInfo | str) -> zoneinfo.ZoneInfo:
    """Show the page of the request being served in `zone` (a page about one location, or one staff
    member); the middleware resets it when the response is done."""
    if isinstance(zone, str):
        zone = zoneinfo.ZoneInfo(zone)
    timezone.activate(zone)
    return zone
