"""A staffed clinic for the booking, calendar, concurrency and access tests (scheduling).

Harbor Boston (America/New_York) is open every day 08:00–18:00 with three chairs; the nurse
(monitors) and the prescriber (consults) work 07:00–19:00, the therapist 09:00–17:00. Harbor
Portland has the same opening hours and no chairs.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from ketacare.clinics.models import Location
from ketacare.scheduling.actions.resources import ensure_default_appointment_types
from ketacare.scheduling.models import (
    AppointmentType,
    Chair,
    OpeningHours,
    Skill,
    StaffShift,
    StaffSkill,
)
from ketacare.scheduling.selectors.resources import scheduling_settings


def winter_monday() -> dt.date:
    """A Monday in January ahead of today: Boston is on EST (UTC−5) then."""
    today = timezone.now().date()
    day = dt.date(today.year + 1, 1, 5)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


@dataclass
class Clinic:
    location: Location
    portland: Location
    chair1: Chair  # IV and esketamine
    chair2: Chair  # IV only
    chair3: Chair  # neither (IM, sublingual)
    types: dict
    day: dt.date

    def type(self, kind: str) -> AppointmentType:
        return self.types[kind]

    def at(self, hour: int, minute: int = 0) -> dt.datetime:
        """`hour`:`minute` on the clinic's day, Boston time."""
        return dt.datetime.combine(self.day, dt.time(hour, minute), tzinfo=ZoneInfo(self.location.time_zone))


def build_clinic(org, staff) -> Clinic:
    location = Location.objects.get(organisation=org, name="Harbor Boston")
    portland = Location.objects.get(organisation=org, name="Harbor Portland")
    for loc in (location, portland):
        OpeningHours.objects.bulk_create(
            OpeningHours(location=loc, weekday=d, opens_at=dt.time(8), closes_at=dt.time(18)) for d in range(7)
        )
    chair1 = Chair.objects.create(location=location, name="Chair 1", supports_iv=True, supports_esketamine=True)
    chair2 = Chair.objects.create(location=location, name="Chair 2", supports_iv=True, supports_esketamine=False)
    chair3 = Chair.objects.create(location=location, name="Room 3", supports_iv=False, supports_esketamine=False)
    hours = {"nurse": (7, 19), "prescriber": (7, 19), "therapist": (9, 17)}
    for role, (start, end) in hours.items():
        StaffShift.objects.bulk_create(
            StaffShift(user=staff[role], location=location, weekday=d, starts_at=dt.time(start), ends_at=dt.time(end))
            for d in range(7)
        )
    StaffSkill.objects.create(user=staff["nurse"], skill=Skill.MONITOR)
    StaffSkill.objects.create(user=staff["prescriber"], skill=Skill.CONSULT)
    StaffSkill.objects.create(user=staff["therapist"], skill=Skill.INTEGRATION_THERAPY)
    ensure_default_appointment_types(org)
    settings = scheduling_settings(org)
    settings.chairs_per_nurse = 2
    settings.save()
    types = {t.kind: t for t in AppointmentType.objects.filter(organisation=org)}
    return Clinic(location, portland, chair1, chair2, chair3, types, winter_monday())


@pytest.fixture
def clinic(org, staff):
    """Harbor's staffed clinic (see the module's docstring); `.day` is a winter Monday ahead."""
    return build_clinic(org, staff)
