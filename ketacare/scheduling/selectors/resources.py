"""Access-checked reads of scheduling resources: locations, chairs, staff, appointment types, settings.

Staff with SCHEDULE_VIEW see their own organisation's locations, chairs, staff and types; anything
of another organisation is a 404. The resource pages need SCHEDULE_RESOURCES_MANAGE.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.models import User
from ketacare.accounts.permissions import require_permission
from ketacare.accounts.selectors import staff_of_organisation
from ketacare.clinics.models import Location
from ketacare.lib.fixed_reads import FixedRead
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.zones import zone_of_user
from ketacare.scheduling.domain.availability import Span, staff_on_site
from ketacare.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Chair,
    ClosedDate,
    OpeningHours,
    SchedulingSettings,
    StaffException,
    StaffShift,
    StaffSkill,
)


def scheduling_settings(organisation) -> SchedulingSettings:
    """The organisation's settings (an Organisation or its id), made with the defaults on first use."""
    settings, _ = SchedulingSettings.objects.get_or_create(organisation_id=getattr(organisation, "pk", organisation))
    return settings


def org_id(user) -> int:
    """The user's organisation; a user with none sees no scheduling object (404)."""
    if user.organisation_id is None:
        raise Http404("No such object")
    return user.organisation_id


def visible_locations(user) -> QuerySet[Location]:
    require_permission(user, Permission.SCHEDULE_VIEW)
    return Location.objects.filter(organisation_id=org_id(user), is_active=True).order_by("name")


def home_location_of(person) -> Location | None:
    """Where a staff member works: their home location, else where most of their weekly shifts are
    (staff made before home locations existed), else None. Their calendar and leave are shown in
    its zone, and their day list opens on it (ketacare/lib/zones.py)."""
    if person.home_location_id:
        return person.home_location
    location_id = (
        StaffShift.objects.filter(user=person, location__is_active=True)
        .values("location_id")
        .annotate(shifts=Count("id"))
        .order_by("-shifts", "location_id")
        .values_list("location_id", flat=True)
        .first()
    )
    return Location.objects.filter(pk=location_id).first() if location_id else None


def zone_of_staff(person):
    """The zone a staff member's own pages show (their calendar, shifts and leave)."""
    home = home_location_of(person)
    return home.zone if home is not None else zone_of_user(person)


# Every calendar, day list and check-in starts here: read with SQL built once per connection (lib/fixed_reads.py;
# building it from a queryset cost ten times the read, issue 19).
_location_of_organisation = FixedRead(
    Location,
    lambda organisation_id, location_id: Location.objects.filter(
        pk=location_id, organisation_id=organisation_id
    ).order_by(),
    organisation_id=int,
    location_id=int,
)


def access_location_by_id(user, location_id: int, *, permission: Permission = Permission.SCHEDULE_VIEW) -> Location:
    require_permission(user, permission)
    locations = _location_of_organisation.models(organisation_id=org_id(user), location_id=db_id_or_zero(location_id))
    if not locations:
        raise Http404("No such location")
    location = locations[0]
    if User.organisation.is_cached(user):
        location.organisation = user.organisation  # the same row: the read asked for the user's organisation
    return location


def chosen_locations(user, location_ids) -> list[Location]:
    """The clinic's locations of `location_ids` (a course's or a waitlist entry's), each once, in the
    order given; none, or one of another clinic, is a ValidationError naming `location_ids`."""
    if not location_ids:
        raise ValidationError({"location_ids": "Choose at least one location."})
    locations = []
    for location_id in dict.fromkeys(location_ids):
        try:
            locations.append(access_location_by_id(user, location_id))
        except Http404:
            raise ValidationError(
                {"location_ids": f"Location {location_id} is not one of this clinic's locations."}
            ) from None
    return locations


def access_chair_by_id(user, chair_id: int, *, permission: Permission = Permission.SCHEDULE_VIEW) -> Chair:
    require_permission(user, permission)
    chair = Chair.objects.select_related("location").filter(pk=chair_id, location__organisation_id=org_id(user)).first()
    if chair is None:
        raise Http404("No such chair")
    return chair


def active_chairs(user, *, location_id: int | None = None) -> QuerySet[Chair]:
    """Chairs in use to choose from: at one location of the clinic, or at all its active locations."""
    require_permission(user, Permission.SCHEDULE_VIEW)
    chairs = Chair.objects.filter(location__organisation_id=org_id(user), is_active=True)
    if location_id is not None:
        return chairs.filter(location_id=location_id).select_related("location")
    return chairs.filter(location__is_active=True).select_related("location")


def visible_staff(user):
    require_permission(user, Permission.SCHEDULE_VIEW)
    return staff_of_organisation(org_id(user))


def access_staff_by_id(user, staff_id: int, *, permission: Permission = Permission.SCHEDULE_VIEW):
    require_permission(user, permission)
    person = visible_staff(user).filter(pk=staff_id).first()
    if person is None:
        raise Http404("No such staff member")
    return person


def visible_appointment_types(user, *, active_only: bool = True) -> QuerySet[AppointmentType]:
    require_permission(user, Permission.SCHEDULE_VIEW)
    types = AppointmentType.objects.filter(organisation_id=org_id(user))
    return types.filter(is_active=True) if active_only else types


def access_appointment_type_by_id(
    user, type_id: int, *, permission: Permission = Permission.SCHEDULE_VIEW
) -> AppointmentType:
    require_permission(user, permission)
    found = AppointmentType.objects.filter(pk=type_id, organisation_id=org_id(user)).first()
    if found is None:
        raise Http404("No such appointment type")
    return found


# ---------------------------------------------------------------------------
# Resource pages


@dataclass(frozen=True)
class LocationResources:
    location: Location
    opening: dict[int, OpeningHours]
    closed_dates: list[ClosedDate]
    chairs: list[Chair]
    closed_days: list[tuple[ClosedDate, list[Appointment]]]  # each closed date, with its bookings to move


def booked_on_dates(location: Location, dates) -> dict[dt.date, list[Appointment]]:
    """Appointments still booked at `location` on the local `dates` (a closed date's bookings), by date.

    No permission check: callers have checked access to the location.
    """
    dates = set(dates)
    if not dates:
        return {}
    zone = location.zone
    start = dt.datetime.combine(min(dates), dt.time(), tzinfo=zone)
    end = dt.datetime.combine(max(dates) + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    found: dict[dt.date, list[Appointment]] = defaultdict(list)
    for appointment in (
        Appointment.objects.filter(
            location=location, status=AppointmentStatus.BOOKED, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("patient", "appointment_type", "location")
        .order_by("starts_at", "id")
    ):
        day = appointment.starts_at.astimezone(zone).date()
        if day in dates:
            found[day].append(appointment)
    return dict(found)


def location_resources(user, location_id: int) -> LocationResources:
    location = access_location_by_id(user, location_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    closed_dates = list(ClosedDate.objects.filter(location=location).order_by("date"))
    booked = booked_on_dates(location, [c.date for c in closed_dates])
    return LocationResources(
        location=location,
        opening={h.weekday: h for h in OpeningHours.objects.filter(location=location)},
        closed_dates=closed_dates,
        chairs=list(Chair.objects.filter(location=location).order_by("name")),
        closed_days=[(c, booked.get(c.date, [])) for c in closed_dates],
    )


@dataclass(frozen=True)
class StaffResources:
    person: object
    skills: list[str]
    shifts: list[StaffShift]
    exceptions: list[StaffException]


def staff_resources(user, staff_id: int) -> StaffResources:
    person = access_staff_by_id(user, staff_id, permission=Permission.SCHEDULE_RESOURCES_MANAGE)
    return StaffResources(
        person=person,
        skills=sorted(StaffSkill.objects.filter(user=person).values_list("skill", flat=True)),
        shifts=list(StaffShift.objects.filter(user=person).select_related("location").order_by("weekday", "starts_at")),
        exceptions=list(StaffException.objects.filter(user=person).select_related("location").order_by("-starts_at")),
    )


def resources_overview(user) -> dict:
    """The organisation's scheduling resources in one read (for the API); a fixed number of queries."""
    require_permission(user, Permission.SCHEDULE_VIEW)
    settings = scheduling_settings(org_id(user))
    locations = list(visible_locations(user).prefetch_related("opening_hours", "closed_dates", "chairs"))
    staff = list(visible_staff(user).prefetch_related("skills", "shifts").order_by("last_name", "first_name", "id"))
    return {
        "chairs_per_nurse": settings.chairs_per_nurse,
        "prescriber_on_site_for_iv": settings.prescriber_on_site_for_iv,
        "slot_minutes": settings.slot_minutes,
        "locations": [
            {
                "id": loc.id,
                "name": loc.name,
                "time_zone": loc.time_zone,
                "opening_hours": list(loc.opening_hours.all()),
                "closed_dates": [c.date for c in loc.closed_dates.all()],
                "chairs": list(loc.chairs.all()),
            }
            for loc in locations
        ],
        "appointment_types": list(visible_appointment_types(user, active_only=False).order_by("name")),
        "staff": [
            {
                "id": u.id,
                "name": u.display_name,
                "role": u.role,
                "skills": sorted(s.skill for s in u.skills.all()),
                "shifts": list(u.shifts.all()),
            }
            for u in staff
        ],
    }


def on_shift_at(person, location: Location, moment: dt.datetime) -> bool:
    """Whether `person` works at `location` at `moment`: a weekly shift there (in the location's
    zone) or extra hours there, and not away (leave wins over shifts, as in booking). The dose's
    second check needs the checker on site (issue 14)."""
    zone = location.zone
    day = moment.astimezone(zone).date()
    weekly: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for shift in StaffShift.objects.filter(user=person, location=location):
        weekly[shift.weekday].append((shift.starts_at, shift.ends_at))
    extra, away = [], []
    near = StaffException.objects.filter(
        user=person, starts_at__lt=moment + dt.timedelta(days=1), ends_at__gt=moment - dt.timedelta(days=1)
    )
    for exception in near.filter(Q(is_available=False) | Q(location=location)):
        (extra if exception.is_available else away).append(Span(exception.starts_at, exception.ends_at))
    spans = staff_on_site(zone, weekly, extra, away, day - dt.timedelta(days=1), day)
    return any(span.contains(moment) for span in spans)
