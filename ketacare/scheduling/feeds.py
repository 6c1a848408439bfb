"""iCalendar feeds behind unguessable, revocable URLs: token handling, the feed actions, the calendar.

A staff member's feed holds the appointments where they are the clinician or the monitoring
nurse; a patient's feed holds their own. Only the token's SHA-256 is stored, so the database
cannot give a working URL back; a new URL replaces (revokes) the previous one.
"""

import dataclasses
import datetime as dt
import hashlib
import secrets

import icalendar
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission, user_may
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.patients.models import Patient
from ketacare.scheduling.models import Appointment, AppointmentStatus, CalendarFeed
from ketacare.scheduling.reminders import local_time_text, preparation_instructions

# How far back a feed reaches; phones keep what they already have.
FEED_PAST = dt.timedelta(days=60)
CANCELLED_STATUSES = (AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED)
TOKEN_PATTERN = r"[A-Za-z0-9_-]{32,64}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def feed_path(token: str) -> str:
    return reverse("scheduling:feed_ics", kwargs={"token": token})


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _feed_audience(user) -> str:
    """'staff' or 'patient': which appointments the user's feed carries; PermissionDenied for neither."""
    if user_may(user, Permission.SCHEDULE_VIEW):
        return "staff"
    if user_may(user, Permission.OWN_RECORD_VIEW):
        return "patient"
    raise PermissionDenied("Your role may not subscribe to a calendar feed.")


# ---- actions ---------------------------------------------------------------------------------

@transaction.atomic
def do_create_calendar_feed(actor) -> tuple[CalendarFeed, str]:
    """A new feed for the actor, revoking any previous one; returns (feed, token) — the token only now."""
    _feed_audience(actor)
    now = timezone.now()
    for old in CalendarFeed.objects.select_for_update().filter(owner=actor, revoked_at__isnull=True):
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        record_event(actor, AuditAction.STATUS_CHANGE, old, detail={"calendar_feed": "revoked", "replaced": True})
    token = new_token()
    feed = CalendarFeed.objects.create(owner=actor, token_sha256=token_sha256(token))
    record_event(actor, AuditAction.CREATE, feed, detail={"calendar_feed": "created"})
    return feed, token


@transaction.atomic
def do_revoke_calendar_feed(actor, feed_id: int) -> CalendarFeed:
    """Revoke one of the actor's own feeds (its URL then answers 404); 404 for anyone else's."""
    _feed_audience(actor)
    feed = CalendarFeed.objects.select_for_update().filter(pk=feed_id, owner=actor).first()
    if feed is None:
        raise Http404("No such calendar feed")
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        record_event(actor, AuditAction.STATUS_CHANGE, feed, detail={"calendar_feed": "revoked"})
    return feed


# ---- selectors -------------------------------------------------------------------------------

def own_calendar_feeds(user) -> list[CalendarFeed]:
    """The user's feeds, newest first (their tokens are not recoverable)."""
    _feed_audience(user)
    return list(CalendarFeed.objects.filter(owner=user).order_by("-created_at", "-id"))


@dataclasses.dataclass(frozen=True)
class OwnAppointment:
    appointment: Appointment
    local_time: str
    instructions: str


def access_own_upcoming_appointments(user, *, now: dt.datetime | None = None) -> list[OwnAppointment] | None:
    """The signed-in patient's booked appointments from now on, with preparation instructions.

    None when no patient record is linked to the account. The read is audited on the patient's record.
    """
    require_permission(user, Permission.OWN_RECORD_VIEW)
    patient = Patient.objects.filter(user=user).first()
    if patient is None:
        return None
    now = now or timezone.now()
    appointments = list(_feed_appointments(user, "patient", now).filter(status=AppointmentStatus.BOOKED))
    record_event(user, AuditAction.LIST, patient=patient, object_type="scheduling.appointment",
                 detail={"own_schedule": len(appointments)})
    return [
        OwnAppointment(a, local_time_text(a.starts_at, a.location.zone), preparation_instructions(a.appointment_type))
        for a in appointments
    ]


def _feed_appointments(owner, audience: str, since: dt.datetime):
    appointments = Appointment.objects.filter(organisation_id=owner.organisation_id, starts_at__gte=since)
    if audience == "staff":
        appointments = appointments.filter(Q(clinician=owner) | Q(monitoring_nurse=owner))
    else:
        appointments = appointments.filter(patient__user=owner)
    return appointments.select_related("location", "appointment_type", "patient", "chair").order_by("starts_at", "id")


def calendar_for_token(token: str) -> bytes:
    """The iCalendar body for a feed URL, with the read audited under the feed's owner.

    Unknown, revoked, or an owner who left (inactive, or no longer a role with a feed): 404.
    The lookup is by the token's hash over a unique index, so timing says nothing useful about
    how close a guess was.
    """
    feed = (CalendarFeed.objects.select_related("owner").filter(token_sha256=token_sha256(token),
                                                                revoked_at__isnull=True).first())
    if feed is None or not feed.owner.is_active:
        raise Http404("No such calendar feed")
    try:
        audience = _feed_audience(feed.owner)
    except PermissionDenied:
        raise Http404("No such calendar feed") from None
    now = timezone.now()
    appointments = list(_feed_appointments(feed.owner, audience, now - FEED_PAST))
    patient = Patient.objects.filter(user=feed.owner).first() if audience == "patient" else None
    # One UPDATE and one audit entry per fetch, not per appointment.
    with transaction.atomic():
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        record_event(feed.owner, AuditAction.VIEW, feed, patient=patient, organisation=feed.owner.organisation,
                     detail={"calendar_feed": "read", "appointments": len(appointments)})
    return build_calendar(appointments, audience=audience, name=f"{feed.owner.organisation.name} appointments")


# ---- the calendar ----------------------------------------------------------------------------

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
    lines = [f"Local time at {appointment.location.name}: "
             f"{local_time_text(appointment.starts_at, appointment.location.zone)}"]
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
