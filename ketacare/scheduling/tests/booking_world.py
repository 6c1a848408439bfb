"""Names for the booking, calendar and concurrency tests, which book in the plugin's `clinic` fixture
(ketacare/testing/clinic.py: Harbor Boston, America/New_York, open every day 08:00–18:00 with three
chairs; the nurse and the prescriber work 07:00–19:00, the therapist 09:00–17:00)."""

import datetime as dt
from zoneinfo import ZoneInfo

from ketacare.scheduling.models import AppointmentKind

BOSTON = ZoneInfo("America/New_York")


def boston(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BOSTON)


IV = AppointmentKind.IV_INFUSION
ESK = AppointmentKind.ESKETAMINE
