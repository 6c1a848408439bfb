"""Every write of the waitlist: add a patient, withdraw one, and start as many waiting courses as fit.

The batch (do_schedule_waitlist) is where the domain core's solve() runs CP-SAT: waiting requests
compete for the same chairs and nurses. Booked appointments never move.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.lib.text import clean_reason
from ketacare.patients.selectors import access_patient_by_id
from ketacare.protocols.domain.plan_status import PlanStatus
from ketacare.protocols.selectors import access_plan_by_id
from ketacare.scheduling.actions.booking import refuse_without_active_plan
from ketacare.scheduling.actions.courses import book_placements
from ketacare.scheduling.models import ACTIVE_STATUSES, Appointment, Course, WaitlistEntry
from ketacare.scheduling.proposals import CourseAttempt, Placement
from ketacare.scheduling.selectors.booking import type_needs
from ketacare.scheduling.selectors.courses import refuse_unless_plan_active_for
from ketacare.scheduling.selectors.resources import (
    access_appointment_type_by_id,
    chosen_locations,
    scheduling_settings,
)
from ketacare.scheduling.selectors.waitlist import access_waitlist_entry, visible_waitlist_entries
from ketacare.scheduling.solver_input import (
    ZoneInstance,
    build_instances,
    clean_availability,
    load_contexts,
    location_key,
    solve_data,
    with_location_names,
)

MAX_WAITLIST_WEEKS = 8


def _whole_number(field_name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError({field_name: f"Enter a whole number from {low} to {high}."})
    return value


@transaction.atomic
def do_add_to_waitlist(
    actor,
    *,
    patient_id: int,
    appointment_type_id: int,
    location_ids: list[int],
    earliest_date: dt.date,
    availability,
    sessions: int = 6,
    min_days_between: int = 1,
    max_span_days: int = 21,
    latest_start_date: dt.date | None = None,
    plan_id: int | None = None,
) -> WaitlistEntry:
    require_permission(actor, Permission.SCHEDULE_WAITLIST)
    try:
        patient = access_patient_by_id(actor, patient_id, audit=False)
    except Http404:
        raise ValidationError({"patient_id": "Not a patient of your clinic."}) from None
    try:
        appointment_type = access_appointment_type_by_id(actor, appointment_type_id)
    except Http404:
        raise ValidationError({"appointment_type_id": "Not an appointment type of your clinic."}) from None
    if not appointment_type.chair or not appointment_type.is_active:
        raise ValidationError({"appointment_type_id": "Choose an active appointment type that takes a chair."})
    plan = None
    if plan_id is not None:
        try:
            plan = access_plan_by_id(actor, plan_id, audit=False)
        except Http404:
            raise ValidationError({"plan_id": "Not a plan of this clinic."}) from None
        if plan.patient_id != patient.pk:
            raise ValidationError({"plan_id": "This plan belongs to another patient."})
        refuse_unless_plan_active_for(plan, appointment_type)
        if plan.status != PlanStatus.ACTIVE:
            raise ValidationError({"plan_id": f"The plan is {plan.status}: a prescriber starts it first."})
    refuse_without_active_plan(patient, appointment_type, field="patient_id")
    locations = chosen_locations(actor, location_ids)
    sessions = _whole_number("sessions", sessions, 1, 60)
    min_days_between = _whole_number("min_days_between", min_days_between, 0, 60)
    max_span_days = _whole_number("max_span_days", max_span_days, 0, 366)
    if not isinstance(earliest_date, dt.date):
        raise ValidationError({"earliest_date": "Enter a date."})
    if latest_start_date is not None and (
        not isinstance(latest_start_date, dt.date) or latest_start_date < earliest_date
    ):
        raise ValidationError({"latest_start_date": "Must be a date on or after the earliest date."})
    if sessions > 1 and (sessions - 1) * max(1, min_days_between) > max_span_days:
        raise ValidationError(
            {
                "max_span_days": f"{sessions} sessions {max(1, min_days_between)} day(s) apart need a span of at least {(sessions - 1) * max(1, min_days_between)} days."
            }
        )
    entry = WaitlistEntry.objects.create(
        organisation_id=actor.organisation_id,
        patient=patient,
        plan=plan,
        appointment_type=appointment_type,
        sessions=sessions,
        min_days_between=min_days_between,
        max_span_days=max_span_days,
        earliest_date=earliest_date,
        latest_start_date=latest_start_date,
        availability=clean_availability(availability),
        created_by=actor,
    )
    entry.locations.set(locations)
    record_event(
        actor,
        AuditAction.CREATE,
        entry,
        patient=patient,
        detail={
            "appointment_type": appointment_type.name,
            "locations": [loc.pk for loc in locations],
            "sessions": sessions,
        },
    )
    return entry


@transaction.atomic
def do_withdraw_from_waitlist(actor, entry_id: int, *, reason: str = "") -> WaitlistEntry:
    require_permission(actor, Permission.SCHEDULE_WAITLIST)
    entry = access_waitlist_entry(actor, entry_id, for_update=True)
    reason = clean_reason(reason, required=False)
    if entry.status != WaitlistEntry.Status.WAITING:
        raise ValidationError(
            {"status": f"Only a waiting entry can be withdrawn; this one is {entry.get_status_display().lower()}."}
        )
    entry.status = WaitlistEntry.Status.WITHDRAWN
    entry.save(update_fields=["status"])
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        entry,
        patient=entry.patient,
        detail={"status": entry.status, "reason": reason},
    )
    return entry


@dataclass
class WaitlistRun:
    booked: list[WaitlistEntry] = field(default_factory=list)
    not_booked: list[WaitlistEntry] = field(default_factory=list)
    method: str = ""


def _entry_request(entry: WaitlistEntry, keys: set[str], first: dt.date) -> dict | None:
    locations = [location_key(loc.pk) for loc in entry.locations.all() if location_key(loc.pk) in keys]
    if not locations:
        return None
    request = {
        "id": f"entry-{entry.pk}",
        "sessions": entry.sessions,
        "session_minutes": entry.appointment_type.chair_minutes,
        "min_days_between": entry.min_days_between,
        "max_span_days": entry.max_span_days,
        "earliest_date": max(entry.earliest_date, first).isoformat(),
        "locations": locations,
        "availability": entry.availability,
    }
    if entry.latest_start_date:
        request["latest_start_date"] = entry.latest_start_date.isoformat()
    return request


@transaction.atomic
def do_schedule_waitlist(actor, *, weeks: int = 4, start_date: dt.date | None = None) -> WaitlistRun:
    """Start as many waiting courses as fit in the coming weeks; booked appointments never move.

    One solve per time zone and appointment type (chairs differ by type), in that order; each
    books before the next is built, so later ones see its appointments as booked. Each course is
    inserted in a savepoint through the re-checking create: all its sessions or none.
    """
    require_permission(actor, Permission.SCHEDULE_WAITLIST)
    weeks = _whole_number("weeks", weeks, 1, MAX_WAITLIST_WEEKS)
    settings = scheduling_settings(actor.organisation_id)
    first = start_date or timezone.localdate() + dt.timedelta(days=1)
    if not isinstance(first, dt.date) or first <= timezone.localdate():
        raise ValidationError({"start_date": "Start from tomorrow or later."})
    last = first + dt.timedelta(days=7 * weeks - 1)
    waiting = list(
        visible_waitlist_entries(actor)
        .select_for_update(of=("self",))
        .filter(status=WaitlistEntry.Status.WAITING)
        .order_by("created_at", "id")
    )
    run = WaitlistRun()
    pending = {entry.pk: entry for entry in waiting}
    reasons: dict[int, str] = {}
    by_type: dict[int, list[WaitlistEntry]] = defaultdict(list)
    for entry in waiting:
        try:
            # The plan may have been stopped since the entry was added: such a patient is not booked.
            refuse_without_active_plan(entry.patient, entry.appointment_type)
        except ValidationError as error:
            reasons[entry.pk] = " ".join(error.messages)
            continue
        by_type[entry.appointment_type_id].append(entry)
    locations = list(Location.objects.filter(organisation_id=actor.organisation_id, is_active=True).order_by("name"))
    for type_entries in by_type.values():
        appointment_type = type_entries[0].appointment_type
        needs = type_needs(appointment_type, settings)
        wanted = {loc.pk for e in type_entries for loc in e.locations.all()}
        for instance in build_instances(
            load_contexts([loc for loc in locations if loc.pk in wanted], first, last, settings),
            needs,
            first,
            last,
            settings.slot_minutes,
        ):
            entries = [e for e in type_entries if e.pk in pending]
            requests = {}
            for entry in entries:
                request = _entry_request(entry, set(instance.locations), first)
                if request is not None:
                    requests[request["id"]] = (entry, request)
            if not requests:
                continue
            instance.data["requests"] = [request for _entry, request in requests.values()]
            result = solve_data(instance.data, settings.solver_time_limit_seconds)
            run.method = result.method
            for request_id, reason in result.unscheduled:
                reasons[requests[request_id][0].pk] = with_location_names(reason, instance)
            for scheduled in result.scheduled:
                entry = requests[scheduled.id][0]
                problem = _book_waitlist_entry(actor, entry, instance, scheduled)
                if problem:
                    reasons[entry.pk] = problem
                else:
                    reasons.pop(entry.pk, None)
                    pending.pop(entry.pk)
                    run.booked.append(entry)
    for entry_id, entry in pending.items():
        entry.last_unscheduled_reason = reasons.get(entry_id, "None of its locations can take this appointment type.")
        entry.save(update_fields=["last_unscheduled_reason"])
        run.not_booked.append(entry)
    record_event(
        actor,
        AuditAction.CREATE,
        object_type="scheduling.waitlistrun",
        detail={
            "from": first.isoformat(),
            "weeks": weeks,
            "booked": [e.pk for e in run.booked],
            "not_booked": [e.pk for e in run.not_booked],
            "method": run.method,
        },
    )
    return run


def _book_waitlist_entry(actor, entry: WaitlistEntry, instance: ZoneInstance, scheduled) -> str:
    """Book one scheduled request as a course in a savepoint; the reason it failed, or ""."""
    location = instance.locations[scheduled.location]
    zone = location.zone
    planned = list(entry.plan.sessions.order_by("sequence")) if entry.plan_id else []
    if (
        len(planned) != len(scheduled.sessions)
        or Appointment.objects.filter(planned_session__in=planned, status__in=ACTIVE_STATUSES).exists()
    ):
        planned = []  # the plan was booked meanwhile or differs: book the course without session links
    attempt = CourseAttempt(
        location,
        [
            Placement(
                number,
                session.start.replace(tzinfo=zone),
                int(session.chair.removeprefix("chair-")),
                planned[number - 1].pk if planned else None,
            )
            for number, session in enumerate(scheduled.sessions, start=1)
        ],
    )
    try:
        with transaction.atomic():
            course = Course.objects.create(
                organisation_id=actor.organisation_id,
                patient=entry.patient,
                plan=entry.plan,
                appointment_type=entry.appointment_type,
                location=location,
                created_by=actor,
            )
            book_placements(actor, course, attempt)
            entry.status, entry.course, entry.last_unscheduled_reason = WaitlistEntry.Status.BOOKED, course, ""
            entry.save(update_fields=["status", "course", "last_unscheduled_reason"])
            record_event(
                actor,
                AuditAction.CREATE,
                course,
                patient=entry.patient,
                detail={
                    "waitlist_entry_id": entry.pk,
                    "location_id": location.pk,
                    "sessions": len(attempt.placements),
                },
            )
    except ValidationError as error:
        return f"The series found at {location.name} failed the booking re-check: {' '.join(error.messages)}"
    return ""
