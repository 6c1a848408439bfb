"""REST endpoint of scheduling resources (/api/v1/scheduling/resources): read-only; the pages change them."""

from ninja import Router

from ketacare.lib.api import LIST_ERRORS
from ketacare.lib.api_errors import ErrorOut
from ketacare.scheduling.schemas import ResourcesOut
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
