"""REST endpoints of scheduling resources (/api/v1/scheduling/resources, closed dates); the pages change the rest."""

from ninja import Router

from ketacare.lib.api import LIST_ERRORS, WRITE_ERRORS, PathId
from ketacare.lib.api_errors import ErrorOut
from ketacare.scheduling.actions.resources import do_add_closed_date
from ketacare.scheduling.schemas import ClosedDateAddedOut, ClosedDateIn, ResourcesOut, appointment_out, check_dates
from ketacare.scheduling.selectors.resources import resources_overview

router = Router()


@router.get(
    "/resources",
    response={200: ResourcesOut, **LIST_ERRORS, 404: ErrorOut},
    operation_id="ketacare_scheduling_api_booking_resources",
)
def resources(request):
    """Locations (hours, closed dates, chairs), appointment types, staff skills and shifts, ratio settings."""
    return resources_overview(request.auth)


@router.post("/locations/{location_id}/closed-dates", response={201: ClosedDateAddedOut, **WRITE_ERRORS})
def add_closed_date(request, payload: ClosedDateIn, location_id: int = PathId):
    """Close a location for a day; answers with the appointments still booked that day, to move or cancel."""
    check_dates(date=payload.date)
    added = do_add_closed_date(request.auth, location_id, date=payload.date, reason=payload.reason)
    closed = added.closed_date
    return 201, {
        "id": closed.pk,
        "location_id": closed.location_id,
        "date": closed.date,
        "reason": closed.reason,
        "affected_appointments": [appointment_out(a) for a in added.affected],
    }
