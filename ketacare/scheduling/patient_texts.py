"""What patients read about an appointment: its time in words, how to prepare, the reminder mail.

Shared by the reminder dispatch (actions/reminders.py), the iCalendar feeds (ical.py) and the
portal's schedule (selectors/feeds.py). Nothing diagnostic: no diagnosis, no dose.
"""

import datetime as dt

from ketacare.scheduling.models import Appointment, AppointmentKind

# Defaults when an appointment type has no patient_instructions of its own (the type's field is the
# clinic's setting). Esketamine: no food for 2 h and no liquids for 30 min before, nasal steroid or
# decongestant at least 1 h before; no driving or machinery until the next day after restful sleep,
# arrange transport (CLINICAL.md §2, Spravato label / HCP site). Racemic ketamine (IV, IM, sublingual):
# the same transport and driving advice; fasting times are clinic policy and UNVERIFIED in CLINICAL.md §1,
# so the default defers to the clinic's own instructions.
_NO_DRIVING = (
    "Arrange for someone to take you home: you must not drive or operate machinery until the next day, "
    "after a restful sleep."
)
DEFAULT_INSTRUCTIONS = {
    AppointmentKind.ESKETAMINE: (
        "Do not eat for 2 hours and do not drink anything for 30 minutes before your session. "
        "If you use a nasal corticosteroid or decongestant, take it at least 1 hour before. " + _NO_DRIVING
    ),
    AppointmentKind.IV_INFUSION: "Follow the fasting instructions your clinic gave you. " + _NO_DRIVING,
    AppointmentKind.IM: "Follow the fasting instructions your clinic gave you. " + _NO_DRIVING,
    AppointmentKind.SUBLINGUAL: "Follow the fasting instructions your clinic gave you. " + _NO_DRIVING,
}


def preparation_instructions(appointment_type) -> str:
    """What the patient prepares: the type's own text, else the default for its kind ('' for talks)."""
    return appointment_type.patient_instructions.strip() or DEFAULT_INSTRUCTIONS.get(appointment_type.kind, "")


def local_time_text(moment: dt.datetime, zone) -> str:
    """'Tuesday 24 November 2026 at 9:30 AM PST' in the location's zone."""
    local = moment.astimezone(zone)
    hour = local.hour % 12 or 12
    return f"{local:%A} {local.day} {local:%B %Y} at {hour}:{local:%M %p} {local.tzname()}"


def reminder_message(appointment: Appointment, late_cancellation_hours: int) -> tuple[str, str]:
    """(subject, body): type, time in the location's zone, place and preparation; nothing diagnostic."""
    location = appointment.location
    patient = appointment.patient
    when = local_time_text(appointment.starts_at, location.zone)
    subject = f"Reminder: {appointment.appointment_type.name} on {when}"
    lines = [
        f"Dear {patient.preferred_name or patient.first_name},",
        "",
        f"This is a reminder of your {appointment.appointment_type.name} at {location.name} on {when}.",
    ]
    if location.address:
        lines += ["", "Address:", location.address]
    instructions = preparation_instructions(appointment.appointment_type)
    if instructions:
        lines += ["", "How to prepare:", instructions]
    phone = location.phone or appointment.organisation.phone
    lines += [
        "",
        f"If you cannot come, please tell us at least {late_cancellation_hours} hours ahead"
        + (f" on {phone}." if phone else "."),
        "",
        appointment.organisation.name,
    ]
    return subject, "\n".join(lines)
