"""iCalendar feeds as a file format: one VEVENT per appointment, for staff or for the patient."""

import datetime as dt

import icalendar
from django.utils import timezone

from ketacare.scheduling.models import Appointment, AppointmentStatus
from ketacare.scheduling.patient_texts import local_time_text, preparation_instructions

CANCELLED_STATUSES = (AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED)


def event_sequence(appointment: Appointment) -> int:
    """Seconds between creation and the last change: grows with every change, so calendars update."""
    return max(0, int((appointment.updated_at - appointment.created_at).total_seconds()))


def _summary(appointment: Appointment, audience: str) -> str:
    # Titles end up in phone and cloud calendars: the type and, for staff, initials and record
    # number — never a diagnosis or a dose.
    if audience == "patient":
        return f"{appointment.appointment_type.name} at {appointment.location.name}"
    patient = appointment.patient
    initials = f"{patient.first_name[:1]}.{patient.last_name[:1]}."
    return f"{appointment.appointment_type.name}: {initials} ({patient.record_number})"


def _description(appointment: Appointment, audience: str) -> str:
    lines = [
        f"Local time at {appointment.location.name}: "
        f"{local_time_text(appointment.starts_at, appointment.location.zone)}"
    ]
    if appointment.status in CANCELLED_STATUSES:
        lines.append("Cancelled.")
    elif appointment.status == AppointmentStatus.NO_SHOW:
        lines.append("Recorded as a no-show.")
    if audience == "staff" and appointment.chair:
        lines.append(f"Chair: {appointment.chair.name}")
    if audience == "patient":
        instructions = preparation_instructions(appointment.appointment_type)
        if instructions:
            lines.append(f"How to prepare: {instructions}")
    return "\n".join(lines)


def build_calendar(appointments, *, audience: str, name: str, now: dt.datetime | None = None) -> bytes:
    """A VCALENDAR with one VEVENT per appointment; times in UTC, the local time in the description."""
    now = now or timezone.now()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//KetaCare//Scheduling//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for appointment in appointments:
        event = icalendar.Event()
        event.add("uid", f"appointment-{appointment.pk}@ketacare")
        event.add("dtstamp", now.astimezone(dt.UTC))
        event.add("dtstart", appointment.starts_at.astimezone(dt.UTC))
        event.add("dtend", appointment.ends_at.astimezone(dt.UTC))
        event.add("last-modified", appointment.updated_at.astimezone(dt.UTC))
        event.add("sequence", event_sequence(appointment))
        event.add("summary", _summary(appointment, audience))
        location = appointment.location
        event.add("location", f"{location.name}, {location.address}".strip(", ").replace("\n", ", "))
        event.add("description", _description(appointment, audience))
        event.add("status", "CANCELLED" if appointment.status in CANCELLED_STATUSES else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
