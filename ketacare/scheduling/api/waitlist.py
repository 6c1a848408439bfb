"""REST endpoints of the waitlist (/api/v1/scheduling/courses/waitlist): the same actions and selectors as the pages.

The operation ids are those these endpoints had before the split (see api/__init__.py).
"""

from ninja import Router

from ketacare.lib.api import LIST_ERRORS, PathId
from ketacare.lib.api_errors import ErrorOut
from ketacare.scheduling.actions import waitlist as waitlist_actions
from ketacare.scheduling.models import WaitlistEntry
from ketacare.scheduling.schemas import (
    SCHEDULING_WRITE_ERRORS,
    ScheduleWaitlistIn,
    WaitlistEntryOut,
    WaitlistIn,
    WaitlistRunOut,
    WaitlistWithdrawIn,
    check_dates,
)
from ketacare.scheduling.selectors.waitlist import list_waitlist

router = Router()
OPERATION_ID_PREFIX = "ketacare_scheduling_api_courses_"


def entry_out(entry: WaitlistEntry) -> dict:
    return {
        "id": entry.pk,
        "patient_id": entry.patient_id,
        "patient_name": entry.patient.full_name,
        "plan_id": entry.plan_id,
        "appointment_type_id": entry.appointment_type_id,
        "location_ids": sorted(loc.pk for loc in entry.locations.all()),
        "sessions": entry.sessions,
        "min_days_between": entry.min_days_between,
        "max_span_days": entry.max_span_days,
        "earliest_date": entry.earliest_date,
        "latest_start_date": entry.latest_start_date,
        "availability": entry.availability,
        "status": entry.status,
        "course_id": entry.course_id,
        "last_unscheduled_reason": entry.last_unscheduled_reason,
    }


@router.get(
    "/waitlist/entries",
    response={200: list[WaitlistEntryOut], **LIST_ERRORS, 404: ErrorOut},
    operation_id=OPERATION_ID_PREFIX + "waitlist",
)
def waitlist(request):
    """Patients waiting for a course to start, oldest first."""
    return [entry_out(e) for e in list_waitlist(request.auth)]


@router.post(
    "/waitlist/entries",
    response={201: WaitlistEntryOut, **SCHEDULING_WRITE_ERRORS},
    operation_id=OPERATION_ID_PREFIX + "add_to_waitlist",
)
def add_to_waitlist(request, payload: WaitlistIn):
    check_dates(earliest_date=payload.earliest_date, latest_start_date=payload.latest_start_date)
    values = payload.dict(by_alias=True)
    return 201, entry_out(waitlist_actions.do_add_to_waitlist(request.auth, **values))


@router.post(
    "/waitlist/entries/{entry_id}/withdraw",
    response={200: WaitlistEntryOut, **SCHEDULING_WRITE_ERRORS},
    operation_id=OPERATION_ID_PREFIX + "withdraw",
)
def withdraw(request, payload: WaitlistWithdrawIn, entry_id: int = PathId):
    return entry_out(waitlist_actions.do_withdraw_from_waitlist(request.auth, entry_id, reason=payload.reason))


@router.post(
    "/waitlist/schedule",
    response={200: WaitlistRunOut, **SCHEDULING_WRITE_ERRORS},
    operation_id=OPERATION_ID_PREFIX + "schedule_waitlist",
)
def schedule_waitlist(request, payload: ScheduleWaitlistIn):
    """Book as many waiting courses as fit in the coming weeks; booked appointments never move."""
    check_dates(start_date=payload.start_date)
    run = waitlist_actions.do_schedule_waitlist(request.auth, weeks=payload.weeks, start_date=payload.start_date)
    return {
        "booked": [entry_out(e) for e in run.booked],
        "not_booked": [entry_out(e) for e in run.not_booked],
        "method": run.method,
    }
