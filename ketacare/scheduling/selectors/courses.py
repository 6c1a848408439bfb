"""Access-checked reads of whole courses: a course and its sessions, a patient's courses, the booking preview.

The checks that booking a course shares with its preview (the plan may be booked, its inputs are
valid, none of its sessions is booked yet) live here too: actions/courses.py calls them inside its
transaction, after locking the plan.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.patients.selectors import access_patient_by_id
from ketacare.protocols.domain.plan_status import PlanStatus
from ketacare.protocols.models import PlannedSession, Route, TreatmentPlan
from ketacare.protocols.selectors import access_plan_by_id
from ketacare.scheduling.domain.availability import Span
from ketacare.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentKind, AppointmentType, Course
from ketacare.scheduling.proposals import CourseProposal, CourseRequest, SessionWindow, propose_course
from ketacare.scheduling.selectors.resources import access_appointment_type_by_id, chosen_locations
from ketacare.scheduling.solver_input import ANY_TIME, clean_availability

MAX_COURSE_HORIZON_DAYS = 120
# The route of a plan -> the kind of appointment its sessions are.
ROUTE_KIND = {
    Route.IV: AppointmentKind.IV_INFUSION,
    Route.INTRANASAL_ESKETAMINE: AppointmentKind.ESKETAMINE,
    Route.IM: AppointmentKind.IM,
    Route.SUBLINGUAL: AppointmentKind.SUBLINGUAL,
}
# A course is booked for a started plan: starting it checked the candidacy approval for its route and
# today's weight (protocols/prerequisites.py, issue 14.2).
BOOKABLE_PLAN_STATUSES = (PlanStatus.ACTIVE,)


# ---------------------------------------------------------------------------
# Booking a course: the checks and the request, shared by the preview and the action


def access_plan_for_booking(actor, plan_id: int, *, for_update: bool = False) -> TreatmentPlan:
    plan = access_plan_by_id(actor, plan_id, audit=False, for_update=for_update)
    if plan.status not in BOOKABLE_PLAN_STATUSES:
        raise ValidationError(
            {"plan_id": f"A {plan.status} plan cannot be booked: a prescriber starts the plan first."}
        )
    return plan


def access_plan_sessions_by_plan_id(user, plan_id: int) -> tuple[TreatmentPlan, list[PlannedSession]]:
    """A plan to book as a course and its planned sessions in order (audited as a view of the plan)."""
    plan = access_plan_by_id(user, plan_id)
    return plan, list(plan.sessions.order_by("sequence"))


def other_locations(actor):
    """The clinic's locations to offer as alternatives (lazy: read only when a course does not fit)."""
    return Location.objects.filter(organisation_id=actor.organisation_id, is_active=True).order_by("name")


def refuse_if_plan_booked(plan: TreatmentPlan) -> None:
    if Appointment.objects.filter(planned_session__plan=plan, status__in=ACTIVE_STATUSES).exists():
        raise ValidationError(
            {"plan_id": "Sessions of this plan are already booked: cancel the rest of that course first."}
        )


def refuse_unless_plan_active_for(plan: TreatmentPlan, appointment_type: AppointmentType) -> None:
    """A plan's course is booked as sessions of the plan's route."""
    kind = ROUTE_KIND.get(plan.template.route)
    if appointment_type.kind != kind:
        raise ValidationError(
            {
                "appointment_type_id": f"This plan's sessions are {AppointmentKind(kind).label}, "
                f"not {appointment_type.get_kind_display()}."
            }
        )


def default_appointment_type(plan: TreatmentPlan) -> AppointmentType | None:
    """The clinic's active appointment type for the plan's route (with a chair)."""
    kind = ROUTE_KIND.get(plan.template.route)
    return (
        AppointmentType.objects.filter(organisation_id=plan.patient.organisation_id, kind=kind, is_active=True)
        .exclude(chair="")
        .order_by("name")
        .first()
    )


def course_request(
    plan: TreatmentPlan, appointment_type: AppointmentType, availability: list[dict], shift_days: int = 0
) -> CourseRequest:
    zone = plan.patient.home_location.zone if plan.patient.home_location_id else dt.UTC
    windows = [
        SessionWindow(s.sequence, s.window_start, s.window_end, s.pk) for s in plan.sessions.order_by("sequence")
    ]
    if not windows:
        raise ValidationError({"plan_id": "This plan has no planned sessions."})
    # Tomorrow at the earliest: a course is booked ahead, never into a session already under way.
    not_before = timezone.localdate(timezone=zone) + dt.timedelta(days=1)
    horizon_end = dt.datetime.combine(windows[-1].latest + dt.timedelta(days=shift_days + 2), dt.time(), tzinfo=zone)
    busy = tuple(
        Span(start, end)
        for start, end in Appointment.objects.filter(
            patient=plan.patient,
            status__in=ACTIVE_STATUSES,
            ends_at__gt=timezone.now(),
            starts_at__lt=horizon_end,
        ).values_list("starts_at", "ends_at")
    )
    request = CourseRequest(appointment_type, windows, plan.template.min_days_between, availability, not_before, busy)
    return request.shifted(shift_days) if shift_days else request


def clean_course_inputs(actor, appointment_type_id, location_ids, availability, shift_days, any_time):
    """(appointment type, locations, availability) of a course request, each refusal naming its field."""
    appointment_type = access_appointment_type_by_id(actor, appointment_type_id)
    if not appointment_type.is_active:
        raise ValidationError({"appointment_type_id": "This appointment type is no longer in use."})
    if not appointment_type.chair:
        raise ValidationError(
            {"appointment_type_id": "A course is booked in treatment chairs: choose a type that takes a chair."}
        )
    locations = chosen_locations(actor, location_ids)
    if (
        isinstance(shift_days, bool)
        or not isinstance(shift_days, int)
        or not 0 <= shift_days <= MAX_COURSE_HORIZON_DAYS
    ):
        raise ValidationError({"shift_days": f"Shift the start by 0 to {MAX_COURSE_HORIZON_DAYS} days."})
    availability = ANY_TIME if any_time else clean_availability(availability)
    return appointment_type, locations, availability


def preview_course(
    actor,
    plan_id: int,
    *,
    appointment_type_id: int,
    location_ids: list[int],
    availability=None,
    shift_days: int = 0,
    any_time: bool = False,
) -> CourseProposal:
    """What booking would do (no writes): the course, or why not and the nearest alternatives."""
    require_permission(actor, Permission.SCHEDULE_BOOK)
    plan = access_plan_for_booking(actor, plan_id)
    appointment_type, locations, availability = clean_course_inputs(
        actor, appointment_type_id, location_ids, availability, shift_days, any_time
    )
    refuse_if_plan_booked(plan)
    request = course_request(plan, appointment_type, availability, shift_days)
    return propose_course(request, locations, alternatives_from=other_locations(actor))


# ---------------------------------------------------------------------------
# Booked courses


def access_course_by_id(user, course_id: int, *, for_update: bool = False) -> Course:
    require_permission(user, Permission.SCHEDULE_VIEW)
    courses = Course.objects.filter(organisation_id=user.organisation_id).select_related(
        "patient", "plan", "plan__template", "appointment_type", "location"
    )
    if for_update:
        courses = courses.select_for_update(of=("self",))
    course = courses.filter(pk=course_id).first() if user.organisation_id else None
    if course is None:
        raise Http404("No such course")
    return course


def course_appointments(course: Course) -> list[Appointment]:
    """Every appointment of a course, cancelled ones included, in time order."""
    return list(course.appointments.select_related("chair", "planned_session", "location").order_by("starts_at", "id"))


def access_course_detail(user, course_id: int) -> tuple[Course, list[Appointment]]:
    """A course and all its appointments (audited as a view of the patient's course)."""
    course = access_course_by_id(user, course_id)
    record_event(user, AuditAction.VIEW, course, patient=course.patient)
    return course, course_appointments(course)


def min_days_between(course: Course) -> int:
    return course.plan.template.min_days_between if course.plan_id else 1


def courses_of_patient(user, patient_id: int) -> list[Course]:
    require_permission(user, Permission.SCHEDULE_VIEW)
    patient = access_patient_by_id(user, patient_id, audit=False)
    return list(Course.objects.filter(patient=patient).select_related("location", "appointment_type", "plan"))
