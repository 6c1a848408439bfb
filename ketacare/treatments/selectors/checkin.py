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
from ketacare.lib.fixed_reads import FixedRead
from ketacare.scheduling.models import Appointment, AppointmentKind, AppointmentStatus
from ketacare.scheduling.selectors.resources import access_location_by_id as scheduling_location_by_id
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
    return scheduling_location_by_id(user, location_id, permission=Permission.SESSION_VIEW)


# The day list's reads (the page on every nurse's screen, the API's and `ketacare sessions day`): SQL built once
# per connection (lib/fixed_reads.py); building it from querysets was most of the list's time (issue 19).
_LOCATIONS_OF_ORGANISATION = FixedRead(
    Location,
    lambda organisation_id: (
        Location.objects.filter(organisation_id=organisation_id)
        .only("id", "organisation_id", "name", "time_zone")
        .order_by("name")
    ),
    organisation_id=int,
)
_DAY_APPOINTMENTS = FixedRead(
    Appointment,
    lambda location_id, starts_from, starts_before: (
        Appointment.objects.filter(
            location_id=location_id,
            starts_at__gte=starts_from,
            starts_at__lt=starts_before,
            status__in=_DAY_STATUSES,
            appointment_type__kind__in=list(ROUTE_BY_KIND),
        )
        .select_related("patient", "appointment_type", "chair")
        .only(*_DAY_ROW_FIELDS)
        .order_by("starts_at")
    ),
    location_id=int,
    starts_from=dt.datetime,
    starts_before=dt.datetime,
)
# The sessions of the appointments at the location that day, as three values each (cheaper than a model).
_DAY_SESSIONS = FixedRead(
    TreatmentSession,
    lambda location_id, starts_from, starts_before: (
        TreatmentSession.objects.filter(
            appointment__location_id=location_id,
            appointment__starts_at__gte=starts_from,
            appointment__starts_at__lt=starts_before,
        )
        .order_by()
        .values_list("appointment_id", "id", "status")
    ),
    location_id=int,
    starts_from=dt.datetime,
    starts_before=dt.datetime,
)


def locations_of(user) -> list[Location]:
    require_permission(user, Permission.SESSION_VIEW)
    if user.organisation_id is None:  # no clinic, no locations (and no `IS NULL` read of another shape)
        return []
    return _LOCATIONS_OF_ORGANISATION.models(organisation_id=user.organisation_id)


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
    window = {"location_id": location.pk, "starts_from": start, "starts_before": end}
    appointments = _DAY_APPOINTMENTS.models(**window)
    # Each row's live session (at most one: session_one_live_per_appointment); cancelled ones are left out.
    live_sessions = (
        {
            appointment_id: (session_id, status)
            for appointment_id, session_id, status in _DAY_SESSIONS.rows(**window)
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
