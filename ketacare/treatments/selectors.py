"""Access-checked reads of treatment sessions: the day list, one session's chart, a patient's history.

Organisation scoping: another organisation's session is 404; a role without SESSION_VIEW is 403.
Opening a session's chart is audited as a view of the patient's record.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.scheduling.models import Appointment, AppointmentKind, AppointmentStatus
from ketacare.treatments import clock
from ketacare.treatments.domain.checklist import required_items
from ketacare.treatments.domain.discharge import VitalRange
from ketacare.treatments.domain.hold import Thresholds
from ketacare.treatments.domain.vitals_schedule import ScheduledCheck, check_states
from ketacare.treatments.models import SessionStatus, TreatmentSession, TreatmentSettings

# Appointment kinds that are treatment sessions, and the protocol route each one gives.
ROUTE_BY_KIND = {
    AppointmentKind.IV_INFUSION: "iv",
    AppointmentKind.ESKETAMINE: "intranasal_esketamine",
    AppointmentKind.IM: "im",
    AppointmentKind.SUBLINGUAL: "sublingual",
}
_DAY_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED)
_RELATED = (
    "organisation", "location", "patient", "patient__organisation", "plan", "template", "appointment",
    "monitoring_clinician", "prescriber", "overridden_by", "administered_by", "discharged_by",
)


def _visible_sessions(user) -> QuerySet[TreatmentSession]:
    require_permission(user, Permission.SESSION_VIEW)
    if user.organisation_id is None:
        return TreatmentSession.objects.none()
    return TreatmentSession.objects.filter(organisation_id=user.organisation_id).select_related(*_RELATED)


def access_session_by_id(user, session_id: int, *, audit: bool = True, for_update: bool = False) -> TreatmentSession:
    sessions = _visible_sessions(user)
    if for_update:
        sessions = sessions.select_for_update(of=("self",))
    session = sessions.filter(pk=session_id).first()
    if session is None:
        raise Http404("No such treatment session")
    if audit:
        record_event(user, AuditAction.VIEW, session, patient=session.patient)
    return session


def access_location_by_id(user, location_id: int) -> Location:
    require_permission(user, Permission.SESSION_VIEW)
    location = Location.objects.filter(pk=location_id, organisation_id=user.organisation_id).first()
    if location is None:
        raise Http404("No such location")
    return location


def locations_of(user) -> list[Location]:
    require_permission(user, Permission.SESSION_VIEW)
    return list(Location.objects.filter(organisation_id=user.organisation_id).order_by("name"))


@dataclass(frozen=True)
class DayRow:
    appointment: Appointment
    session: TreatmentSession | None


def day_list(user, location: Location, day: dt.date) -> list[DayRow]:
    """Today's treatment appointments at a location, each with its session once started (audited as a list)."""
    require_permission(user, Permission.SESSION_VIEW)
    if location.organisation_id != user.organisation_id:
        raise Http404("No such location")
    zone = location.zone
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = start + dt.timedelta(days=1)
    appointments = list(
        Appointment.objects.filter(
            location=location, starts_at__gte=start, starts_at__lt=end, status__in=_DAY_STATUSES,
            appointment_type__kind__in=list(ROUTE_BY_KIND),
        ).select_related("patient", "appointment_type", "chair").order_by("starts_at")
    )
    sessions = {
        s.appointment_id: s for s in TreatmentSession.objects.filter(
            appointment__in=appointments).exclude(status=SessionStatus.CANCELLED)
    }
    record_event(user, AuditAction.LIST, organisation=location.organisation, object_type="treatments.daylist",
                 object_id=str(location.pk), detail={"date": day.isoformat(), "count": len(appointments)})
    return [DayRow(appointment, sessions.get(appointment.pk)) for appointment in appointments]


def sessions_of_patient(user, patient) -> list[TreatmentSession]:
    """A patient's sessions, oldest first (for the across-sessions chart); the caller audits the patient view."""
    if patient.organisation_id != user.organisation_id:
        raise PermissionDenied("Another organisation's patient")
    return list(
        _visible_sessions(user).filter(patient=patient).exclude(status=SessionStatus.CANCELLED)
        .prefetch_related("vitals").order_by("checked_in_at")
    )


# --- What the chart page and the actions both need --------------------------------------


def settings_of(session: TreatmentSession) -> TreatmentSettings:
    """The organisation's settings, read once per session object (a page asks several times)."""
    if not hasattr(session, "_treatment_settings"):
        session._treatment_settings = TreatmentSettings.for_organisation(session.organisation)
    return session._treatment_settings


def thresholds_of(session: TreatmentSession) -> Thresholds:
    template = session.template
    return Thresholds(
        delay_systolic_mmhg=template.bp_delay_systolic_mmhg,
        delay_diastolic_mmhg=template.bp_delay_diastolic_mmhg,
        stop_systolic_mmhg=template.bp_stop_systolic_mmhg,
        stop_diastolic_mmhg=template.bp_stop_diastolic_mmhg,
    )


def discharge_range_of(session: TreatmentSession, settings: TreatmentSettings) -> VitalRange:
    """Back in range = at or under the protocol's delay level, with the clinic's HR and SpO2 limits."""
    template = session.template
    return VitalRange(
        max_systolic_mmhg=template.bp_delay_systolic_mmhg,
        max_diastolic_mmhg=template.bp_delay_diastolic_mmhg,
        max_heart_rate_bpm=settings.discharge_max_heart_rate_bpm,
        min_spo2_percent=settings.discharge_min_spo2_percent,
    )


def required_checks_of(session: TreatmentSession, settings: TreatmentSettings) -> tuple[str, ...]:
    return required_items(
        weight_based=session.template.is_weight_based, pregnancy_test_required=settings.pregnancy_test_required
    )


def min_observation_of(session: TreatmentSession, settings: TreatmentSettings) -> int:
    if session.is_esketamine:
        return settings.esketamine_min_observation_min
    return settings.other_min_observation_min


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
        SessionStatus.ADMINISTERING, SessionStatus.OBSERVING
    ):
        now_minute = minutes_since_start(session, now or clock.now())
    elif session.discharged_at is not None:
        now_minute = minutes_since_start(session, session.discharged_at)
    return check_states(
        session.template.vital_check_times_min or [], recorded,
        now_minute=now_minute, tolerance_min=settings.vitals_tolerance_min,
    )
