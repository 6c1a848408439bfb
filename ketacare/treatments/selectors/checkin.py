"""Where check-in starts: the clinic's locations, a location's treatment day, and what a session's
protocol asks before dosing (the checklist, the blood-pressure levels that hold it)."""

import datetime as dt
from dataclasses import dataclass

from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.scheduling.models import Appointment, AppointmentKind, AppointmentStatus
from ketacare.treatments.domain.checklist import required_items
from ketacare.treatments.domain.hold import Thresholds
from ketacare.treatments.models import SessionStatus, TreatmentSession, TreatmentSettings

# Appointment kinds that are treatment sessions, and the protocol route each one gives.
ROUTE_BY_KIND = {
    AppointmentKind.IV_INFUSION: "iv",
    AppointmentKind.ESKETAMINE: "intranasal_esketamine",
    AppointmentKind.IM: "im",
    AppointmentKind.SUBLINGUAL: "sublingual",
}
_DAY_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED)
# What a day list's row shows (the page, the API's DayRowOut, `ketacare sessions day`): the rows are read with
# these columns only, as building a query costs per selected column (issue 19). A field read beyond these
# costs a query per row: add it here.
_DAY_ROW_FIELDS = (
    "id",
    "starts_at",
    "patient_id",
    "patient__first_name",
    "patient__last_name",
    "patient__record_number",
    "appointment_type__name",
    "chair__name",
)


def access_location_by_id(user, location_id: int) -> Location:
    require_permission(user, Permission.SESSION_VIEW)
    location = Location.objects.filter(pk=location_id, organisation_id=user.organisation_id).first()
    if location is None:
        raise Http404("No such location")
    return location


def locations_of(user) -> list[Location]:
    require_permission(user, Permission.SESSION_VIEW)
    return list(
        Location.objects.filter(organisation_id=user.organisation_id)
        .only("id", "organisation_id", "name", "time_zone")
        .order_by("name")
    )


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
            location=location,
            starts_at__gte=start,
            starts_at__lt=end,
            status__in=_DAY_STATUSES,
            appointment_type__kind__in=list(ROUTE_BY_KIND),
        )
        .select_related("patient", "appointment_type", "chair")
        .only(*_DAY_ROW_FIELDS)
        .order_by("starts_at")
    )
    # Each row's live session (at most one: session_one_live_per_appointment) as three values, the cancelled
    # ones left out here: a quarter cheaper than a model per session and a NOT in the query (issue 19).
    live_sessions = (
        {
            appointment_id: (session_id, status)
            for appointment_id, session_id, status in TreatmentSession.objects.filter(
                appointment_id__in=[appointment.pk for appointment in appointments]
            )
            .order_by()
            .values_list("appointment_id", "id", "status")
            if status != SessionStatus.CANCELLED
        }
        if appointments
        else {}
    )
    record_event(
        user,
        AuditAction.LIST,
        organisation=user.organisation,  # the location's, checked above (loaded with the user: no query)
        object_type="treatments.daylist",
        object_id=str(location.pk),
        detail={"date": day.isoformat(), "count": len(appointments)},
    )
    return [DayRow(appointment, _session_of(appointment, live_sessions)) for appointment in appointments]


def _session_of(appointment: Appointment, live_sessions: dict[int, tuple[int, str]]) -> TreatmentSession | None:
    """The appointment's live session as `.only("id", "appointment_id", "status")` loads it, or None."""
    if appointment.pk not in live_sessions:
        return None
    session_id, status = live_sessions[appointment.pk]
    return TreatmentSession.from_db(
        appointment._state.db, ["id", "appointment_id", "status"], (session_id, appointment.pk, status)
    )


def required_checks_of(session: TreatmentSession, settings: TreatmentSettings) -> tuple[str, ...]:
    return required_items(
        weight_based=session.template.is_weight_based, pregnancy_test_required=settings.pregnancy_test_required
    )


def thresholds_of(session: TreatmentSession) -> Thresholds:
    """The protocol's blood-pressure levels: above "delay" before dosing holds the session, above
    "stop" during administration prompts to stop it (monitoring)."""
    template = session.template
    return Thresholds(
        delay_systolic_mmhg=template.bp_delay_systolic_mmhg,
        delay_diastolic_mmhg=template.bp_delay_diastolic_mmhg,
        stop_systolic_mmhg=template.bp_stop_systolic_mmhg,
        stop_diastolic_mmhg=template.bp_stop_diastolic_mmhg,
    )
