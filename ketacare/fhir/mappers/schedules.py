"""Schedule (one per chair) and Slot (a chair's busy and free time), for clients that show or plan chair time.

A chair is a Schedule whose actor is its Location: KetaCare has no HealthcareService, so `serviceType` and
`comment` name the chair and what it supports. `planningHorizon` runs from the first opening to the last
closing of the chair's location over the days the booking pages search ahead (FREE_SLOT_SEARCH_DAYS).

Slots are derived, never stored. A search bounds a window (`start=ge…&start=lt…`, at most MAX_RANGE_DAYS, the
calendars' widest view); for each chair, scheduling's own snapshot of its location (load_slot_context, the one
the booking check reads) gives the times its live appointments hold it (start to chair_free_at, turnover
included): `busy` slots; each local day's opening hours (closed dates left out) minus those holds: `free` slots.
Slots whose start falls in the window are returned, times as UTC instants. A slot's id names its chair, status,
start and end (`<chair>-free-20261207T1700Z-20261207T1900Z`), so a read computes it again (a booking made since
turns it into a 404). Staff who see the calendars read them (SCHEDULE_VIEW); patients do not.
"""

import datetime as dt
import re
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.fhir.domain.search import SearchError, parse_date, parse_reference, parse_token
from ketacare.fhir.mappers import reference, without_empty
from ketacare.fhir.mappers.filters import any_of
from ketacare.fhir.registry import (
    Derived,
    DerivedType,
    ResourceType,
    Scope,
    SearchParam,
    Source,
    register,
    register_derived,
    row_id,
)
from ketacare.scheduling.domain.availability import Span, local_span, merge, subtract
from ketacare.scheduling.models import Chair
from ketacare.scheduling.selectors.booking import FREE_SLOT_SEARCH_DAYS, MAX_RANGE_DAYS, load_slot_context

UTC = dt.UTC
SLOT_STATUS = "http://hl7.org/fhir/slotstatus"
SLOT_STATUSES = ("busy", "free")
_STAMP = "%Y%m%dT%H%M"
_SLOT_ID = re.compile(r"^(\d{1,18})-(busy|free)-(\d{8}T\d{4})Z-(\d{8}T\d{4})Z$")


def chairs(scope: Scope):
    return (
        Chair.objects.filter(location__organisation_id=scope.organisation_id)
        .select_related("location")
        .prefetch_related("location__opening_hours")
    )


# ------------------------------------------------------------------ Schedule


def _supports(chair: Chair) -> str:
    supports = [
        text
        for flag, text in ((chair.supports_iv, "infusion pump"), (chair.supports_esketamine, "esketamine observation"))
        if flag
    ]
    return ", ".join(supports) or "no infusion pump or esketamine observation"


def planning_horizon(chair: Chair) -> dict | None:
    """From the first opening to the last closing of the chair's location over the booking pages' search days
    (from the location's today); None when it has no opening hours."""
    location = chair.location
    zone = location.zone
    opening = {hours.weekday: (hours.opens_at, hours.closes_at) for hours in location.opening_hours.all()}
    today = timezone.localtime(timezone.now(), zone).date()
    spans = [
        local_span(day, *opening[day.weekday()], zone)
        for day in (today + dt.timedelta(days=n) for n in range(FREE_SLOT_SEARCH_DAYS))
        if day.weekday() in opening
    ]
    if not spans:
        return None
    return {"start": spans[0].start.isoformat(), "end": spans[-1].end.isoformat()}


def schedule_resource(chair: Chair, scope: Scope) -> dict:
    location = chair.location
    return without_empty(
        {
            "resourceType": "Schedule",
            "id": str(chair.pk),
            "active": chair.is_active and location.is_active,
            "serviceType": [{"text": f"Treatment chair {chair.name}"}],
            "actor": [reference("Location", location.pk, location.name)],
            "planningHorizon": planning_horizon(chair),
            "comment": f"Chair {chair.name} at {location.name} ({_supports(chair)}); opening hours in "
            f"{location.zone.key}.",
        }
    )


def _location_filter(rows, values: list[list[str]]):
    for alternatives in values:
        rows = rows.filter(location_id__in=[row_id(parse_reference("actor", v, "Location")) for v in alternatives])
    return rows


def _active_q(value: str) -> Q:
    if value not in ("true", "false"):
        raise SearchError("active", f"{value!r} is not true or false")
    active = Q(is_active=True, location__is_active=True)
    return active if value == "true" else ~active


SCHEDULE = Source(
    key="",
    rows=chairs,
    to_resource=schedule_resource,
    patient_path=None,
    permission=Permission.SCHEDULE_VIEW,
    patients_may_read=False,
    filters={"actor": _location_filter, "active": any_of(_active_q)},
)


register(
    ResourceType(
        name="Schedule",
        documentation="One per treatment chair: the actor is its Location, serviceType and comment name the chair "
        "and what it supports, planningHorizon spans the location's opening hours over the next "
        f"{FREE_SLOT_SEARCH_DAYS} days. Its Slots give the chair's busy and free time.",
        search_params=(
            SearchParam("actor", "reference", "The chair's location (Location/<id>)."),
            SearchParam("active", "token", "true: chairs in use at an open location; false: the others."),
        ),
        sources=(SCHEDULE,),
    )
)


# ------------------------------------------------------------------ Slot


def _slot_id(chair_id: int, status: str, span: Span) -> str:
    return f"{chair_id}-{status}-{span.start.astimezone(UTC):{_STAMP}}Z-{span.end.astimezone(UTC):{_STAMP}}Z"


def slot_resource(chair: Chair, status: str, span: Span) -> dict:
    return {
        "resourceType": "Slot",
        "id": _slot_id(chair.pk, status, span),
        "schedule": reference("Schedule", chair.pk, f"Chair {chair.name} at {chair.location.name}"),
        "status": status,
        "start": span.start.astimezone(UTC).isoformat(),
        "end": span.end.astimezone(UTC).isoformat(),
    }


def chair_time(chosen: list[Chair], window: Span) -> list[tuple[Chair, str, Span]]:
    """(chair, busy|free, span) of each chosen chair whose start falls in `window`, by start then chair: one
    snapshot per location over the local days the window touches (a constant number of queries each)."""
    by_location: dict[int, list[Chair]] = defaultdict(list)
    for chair in chosen:
        by_location[chair.location_id].append(chair)
    found: list[tuple[Chair, str, Span]] = []
    for location_chairs in by_location.values():
        location = location_chairs[0].location
        zone = location.zone
        day_from = window.start.astimezone(zone).date()
        day_to = (window.end - dt.timedelta(microseconds=1)).astimezone(zone).date()
        context = load_slot_context(location, day_from, day_to)
        days = (day_from + dt.timedelta(days=n) for n in range((day_to - day_from).days + 1))
        opening = [
            local_span(day, *context.opening[day.weekday()], zone)
            for day in days
            if day.weekday() in context.opening and day not in context.closed_dates
        ]
        held = {info.id: merge(info.busy) for info in context.chairs}  # active chairs only
        for chair in location_chairs:
            if chair.pk not in held:
                continue
            busy = held[chair.pk]
            spans = [("busy", span) for span in busy] + [("free", span) for span in subtract(opening, busy)]
            found.extend((chair, status, span) for status, span in spans if window.contains(span.start))
    found.sort(key=lambda item: (item[2].start, item[0].pk))
    return found


def _window(values: list[list[str]]) -> Span:
    """The window `start` bounds: every value narrows it; both ends are required, at most MAX_RANGE_DAYS."""
    low: dt.datetime | None = None
    high: dt.datetime | None = None
    for alternatives in values:
        if len(alternatives) != 1:
            raise SearchError("start", "give one value per start parameter (start=ge…&start=lt…)")
        when = parse_date("start", alternatives[0])
        lower = {"ge": when.start, "gt": when.end, "eq": when.start}.get(when.prefix)
        upper = {"lt": when.start, "le": when.end, "eq": when.end}.get(when.prefix)
        if lower is not None:
            low = lower if low is None else max(low, lower)
        if upper is not None:
            high = upper if high is None else min(high, upper)
    if low is None or high is None:
        raise SearchError(
            "start", f"bound the window at both ends: start=ge<date>&start=lt<date> (at most {MAX_RANGE_DAYS} days)"
        )
    if high - low > dt.timedelta(days=MAX_RANGE_DAYS):
        raise SearchError("start", f"the window is longer than {MAX_RANGE_DAYS} days; ask for a shorter one")
    return Span(low, max(low, high))


def _statuses(values: list[list[str]]) -> set[str]:
    wanted = set(SLOT_STATUSES)
    for alternatives in values:
        codes = set()
        for value in alternatives:
            token = parse_token("status", value)
            if token.code not in SLOT_STATUSES:
                raise SearchError("status", f"{token.code!r} is not one of {', '.join(SLOT_STATUSES)}")
            if token.system in (None, SLOT_STATUS):
                codes.add(token.code)
        wanted &= codes
    return wanted


def search_slots(scope: Scope, params: dict[str, list[list[str]]]) -> list[Derived]:
    window = _window(params.get("start", []))
    statuses = _statuses(params.get("status", []))
    rows = chairs(scope)
    for alternatives in params.get("schedule", []):
        rows = rows.filter(pk__in=[row_id(parse_reference("schedule", v, "Schedule")) for v in alternatives])
    for alternatives in params.get("_id", []):
        parsed = [_SLOT_ID.match(value) for value in alternatives]
        rows = rows.filter(pk__in=[row_id(match.group(1)) for match in parsed if match])
    wanted_ids = {value for alternatives in params.get("_id", []) for value in alternatives}
    found = []
    for chair, status, span in chair_time(list(rows.order_by("pk")), window):
        resource = slot_resource(chair, status, span)
        if status in statuses and (not wanted_ids or resource["id"] in wanted_ids):
            found.append((SCHEDULE, chair, resource))
    return found


def read_slot(scope: Scope, resource_id: str) -> Derived | None:
    match = _SLOT_ID.match(resource_id)
    if match is None:
        return None
    chair = chairs(scope).filter(pk=row_id(match.group(1))).first()
    if chair is None:
        return None
    try:
        start = dt.datetime.strptime(match.group(3), _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None
    for found_chair, status, span in chair_time([chair], Span(start, start + dt.timedelta(minutes=1))):
        resource = slot_resource(found_chair, status, span)
        if resource["id"] == resource_id:
            return SCHEDULE, found_chair, resource
    return None


register_derived(
    DerivedType(
        name="Slot",
        search=search_slots,
        read=read_slot,
        permission=Permission.SCHEDULE_VIEW,
        documentation="A chair's busy time (its live appointments, turnover included) and free time (the rest of "
        "its location's opening hours), derived on each request for a window the search must bound "
        f"(start=ge…&start=lt…, at most {MAX_RANGE_DAYS} days); not in Bulk Data exports.",
        search_params=(
            SearchParam("start", "date", "Required, both ends: start=ge<date>&start=lt<date> (ge/gt/le/lt/eq)."),
            SearchParam("schedule", "reference", "The chair's Schedule (Schedule/<id>)."),
            SearchParam("status", "token", "busy or free."),
        ),
    )
)
