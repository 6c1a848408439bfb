"""Reads of calendar feeds and of the patient's own schedule.

A staff member's feed holds the appointments where they are the clinician or the monitoring
nurse; a patient's feed holds their own. Only the token's SHA-256 is stored, so the database
cannot give a working URL back; a new URL replaces (revokes) the previous one (actions/feeds.py).
"""

import dataclasses
import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission, user_may
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.patients.models import Patient
from ketacare.scheduling.models import Appointment, AppointmentStatus, CalendarFeed
from ketacare.scheduling.patient_texts import local_time_text, preparation_instructions

TOKEN_PATTERN = r"[A-Za-z0-9_-]{32,64}"


def feed_path(token: str) -> str:
    return reverse("scheduling:feed_ics", kwargs={"token": token})


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_audience(user) -> str:
    """'staff' or 'patient': which appointments the user's feed carries; PermissionDenied for neither."""
    if user_may(user, Permission.SCHEDULE_VIEW):
        return "staff"
    if user_may(user, Permission.OWN_RECORD_VIEW):
        return "patient"
    raise PermissionDenied("Your role may not subscribe to a calendar feed.")


def own_calendar_feeds(user) -> list[CalendarFeed]:
    """The user's feeds, newest first (their tokens are not recoverable)."""
    feed_audience(user)
    return list(CalendarFeed.objects.filter(owner=user).order_by("-created_at", "-id"))


def live_feed_by_token(token: str) -> tuple[CalendarFeed, str]:
    """The feed a URL's token opens, and its audience ('staff' or 'patient').

    Unknown, revoked, or an owner who left (inactive, or no longer a role with a feed): 404.
    The lookup is by the token's hash over a unique index, so timing says nothing useful about
    how close a guess was.
    """
    feed = (
        CalendarFeed.objects.select_related("owner")
        .filter(token_sha256=token_sha256(token), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.owner.is_active:
        raise Http404("No such calendar feed")
    try:
        return feed, feed_audience(feed.owner)
    except PermissionDenied:
        raise Http404("No such calendar feed") from None


def feed_appointments(owner, audience: str, since: dt.datetime) -> QuerySet[Appointment]:
    """What `owner`'s feed carries from `since` on (no permission check: the caller resolved the audience)."""
    appointments = Appointment.objects.filter(organisation_id=owner.organisation_id, starts_at__gte=since)
    if audience == "staff":
        appointments = appointments.filter(Q(clinician=owner) | Q(monitoring_nurse=owner))
    else:
        appointments = appointments.filter(patient__user=owner)
    return appointments.select_related("location", "appointment_type", "patient", "chair").order_by("starts_at", "id")


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
    appointments = list(feed_appointments(user, "patient", now).filter(status=AppointmentStatus.BOOKED))
    record_event(
        user,
        AuditAction.LIST,
        patient=patient,
        object_type="scheduling.appointment",
        detail={"own_schedule": len(appointments)},
    )
    return [
        OwnAppointment(a, local_time_text(a.starts_at, a.location.zone), preparation_instructions(a.appointment_type))
        for a in appointments
    ]
