"""Monitoring reads: the session clock, the protocol's vital checks with their state, and a
patient's sessions for the across-sessions vitals chart."""

import datetime as dt

from django.core.exceptions import PermissionDenied

from ketacare.treatments import clock
from ketacare.treatments.domain.vitals_schedule import ScheduledCheck, check_states
from ketacare.treatments.models import SessionStatus, TreatmentSession
from ketacare.treatments.selectors.chart import visible_sessions
from ketacare.treatments.selectors.settings import settings_of


def sessions_of_patient(user, patient) -> list[TreatmentSession]:
    """A patient's sessions, oldest first (for the across-sessions chart); the caller audits the patient view."""
    if patient.organisation_id != user.organisation_id:
        raise PermissionDenied("Another organisation's patient")
    return list(
        visible_sessions(user)
        .filter(patient=patient)
        .exclude(status=SessionStatus.CANCELLED)
        .prefetch_related("vitals")
        .order_by("checked_in_at")
    )


def minutes_since_start(session: TreatmentSession, at: dt.datetime) -> float | None:
    start = session.first_device_at or session.administration_started_at
    if start is None:
        return None
    return (at - start) / dt.timedelta(minutes=1)


def vital_schedule(session: TreatmentSession, now: dt.datetime | None = None) -> list[ScheduledCheck]:
    """The protocol's checks with their state: done, late, missed, due or upcoming."""
    settings = settings_of(session)
    recorded = [v.minute for v in session.vitals.all() if v.minute is not None]
    now_minute = None
    if session.administration_started_at is not None and session.status in (
        SessionStatus.ADMINISTERING,
        SessionStatus.OBSERVING,
    ):
        now_minute = minutes_since_start(session, now or clock.now())
    elif session.discharged_at is not None:
        now_minute = minutes_since_start(session, session.discharged_at)
    return check_states(
        session.template.vital_check_times_min or [],
        recorded,
        now_minute=now_minute,
        tolerance_min=settings.vitals_tolerance_min,
    )
