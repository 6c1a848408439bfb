"""REST endpoints of whole courses (/api/v1/scheduling/courses): the same actions and selectors as the pages.

Booking answers 201 with the course; 422 when the input is wrong or no full course fits (the
detail says which constraint; POST /preview gives the alternatives to pick from); 409 when
another booking took a slot while this one was being written (nothing is booked then).
"""

from ninja import Router

from ketacare.lib.api import READ_ERRORS, PathId
from ketacare.scheduling.actions import courses as course_actions
from ketacare.scheduling.models import Course
from ketacare.scheduling.proposals import CourseAttempt, CourseProposal
from ketacare.scheduling.schemas import (
    SCHEDULING_WRITE_ERRORS,
    AppointmentOut,
    CancelRestIn,
    CourseBookingIn,
    CourseOut,
    MoveSessionIn,
    ProposalOut,
    appointment_out,
    conflict,
)
from ketacare.scheduling.selectors.booking import SlotConflict
from ketacare.scheduling.selectors.courses import (
    access_course_by_id,
    access_course_detail,
    course_appointments,
    preview_course,
)

router = Router()


def _proposed(attempt: CourseAttempt | None) -> dict | None:
    if attempt is None:
        return None
    zone = attempt.location.zone
    return {
        "location_id": attempt.location.pk,
        "location_name": attempt.location.name,
        "sessions": [
            {
                "sequence": p.sequence,
                "planned_session_id": p.planned_session_id,
                "starts_at": p.starts_at,
                "local_start": p.starts_at.astimezone(zone).isoformat(),
                "chair_id": p.chair_id,
            }
            for p in attempt.placements
        ],
    }


def proposal_out(proposal: CourseProposal) -> dict:
    return {
        "fits": proposal.fits,
        "reason": proposal.reason,
        "constraint": proposal.constraint,
        "course": _proposed(proposal.attempt if proposal.fits else None),
        "alternatives": [
            {
                "kind": a.kind,
                "label": a.label,
                "location_id": a.location_id,
                "shift_days": a.shift_days,
                "any_time": a.any_time,
                "course": _proposed(a.attempt),
            }
            for a in proposal.alternatives
        ],
    }


def course_out(course: Course) -> dict:
    return {
        "id": course.pk,
        "patient_id": course.patient_id,
        "plan_id": course.plan_id,
        "appointment_type_id": course.appointment_type_id,
        "location_id": course.location_id,
        "created_at": course.created_at,
        "cancelled_at": course.cancelled_at,
        "cancelled_reason": course.cancelled_reason,
        "appointments": [appointment_out(a) for a in course_appointments(course)],
    }


@router.post("/preview", response={200: ProposalOut, **READ_ERRORS})
def preview(request, payload: CourseBookingIn):
    """What booking would do, without booking: the course, or the constraint that prevents it and
    the nearest alternatives (another location, other times, a later start) to pick from."""
    return proposal_out(preview_course(request.auth, payload.plan_id, **payload.action_fields()))


@router.post("", response={201: CourseOut, **SCHEDULING_WRITE_ERRORS})
def book_course(request, payload: CourseBookingIn):
    """Book every planned session of the plan as one course, all or nothing."""
    try:
        course = course_actions.do_book_course(request.auth, payload.plan_id, **payload.action_fields())
    except SlotConflict as exc:
        return conflict(exc)
    return 201, course_out(course)


@router.get("/{course_id}", response={200: CourseOut, **READ_ERRORS})
def get_course(request, course_id: int = PathId):
    """A course with all its appointments (cancelled ones included; audited)."""
    course, _appointments = access_course_detail(request.auth, course_id)
    return course_out(course)


@router.post("/{course_id}/cancel-rest", response={200: CourseOut, **SCHEDULING_WRITE_ERRORS})
def cancel_rest(request, payload: CancelRestIn, course_id: int = PathId):
    """Cancel every session of the course that has not started yet, in one step."""
    course_actions.do_cancel_rest_of_course(request.auth, course_id, reason=payload.reason)
    return course_out(access_course_by_id(request.auth, course_id))


@router.post("/appointments/{appointment_id}/move", response={200: AppointmentOut, **SCHEDULING_WRITE_ERRORS})
def move_session(request, payload: MoveSessionIn, appointment_id: int = PathId):
    """Move one session of a course; refused (422) when the course would break (window, spacing, order)."""
    try:
        appointment = course_actions.do_move_course_session(request.auth, appointment_id, **payload.dict())
    except SlotConflict as exc:
        return conflict(exc)
    return appointment_out(appointment)
