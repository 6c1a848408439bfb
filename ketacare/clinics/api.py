"""REST endpoints of locations (/api/v1/locations): the same actions and selectors as the clinic admin's pages."""

from ninja import Router

from ketacare.clinics.actions import (
    LocationInUse,
    do_archive_location,
    do_create_location,
    do_reopen_location,
    do_update_location,
)
from ketacare.clinics.schemas import ClinicLocationChangeIn, ClinicLocationIn, ClinicLocationOut, LocationStillBookedOut
from ketacare.clinics.selectors import access_location_for_managing_by_id, access_locations_for_managing
from ketacare.lib.api import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.lib.forms import error_text

router = Router(tags=["locations"])
# A location with appointments still to come is neither archived nor moved to another zone.
IN_USE_ERRORS = {**WRITE_ERRORS, 409: LocationStillBookedOut}


def _still_booked(refused: LocationInUse):
    return 409, {
        "detail": error_text(refused),
        "still_booked": [{"label": item.label, "url": item.url} for item in refused.blocking],
    }


@router.get("", response={200: list[ClinicLocationOut], **LIST_ERRORS})
def list_locations(request):
    """The organisation's locations, open ones first (clinic admins)."""
    return access_locations_for_managing(request.auth)


@router.get("/{location_id}", response={200: ClinicLocationOut, **READ_ERRORS})
def read_location(request, location_id: int = PathId):
    return access_location_for_managing_by_id(request.auth, location_id)


@router.post("", response={201: ClinicLocationOut, **WRITE_ERRORS})
def create_location(request, payload: ClinicLocationIn):
    """Add a location (name unique in the clinic, a known IANA zone, a phone with its area code)."""
    return 201, do_create_location(request.auth, **payload.dict())


@router.patch("/{location_id}", response={200: ClinicLocationOut, **IN_USE_ERRORS})
def update_location(request, payload: ClinicLocationChangeIn, location_id: int = PathId):
    """Change the fields given; a new zone is refused (409) while appointments are still to come there."""
    try:
        return do_update_location(request.auth, location_id, **payload.dict(exclude_none=True))
    except LocationInUse as refused:
        return _still_booked(refused)


@router.post("/{location_id}/archive", response={200: ClinicLocationOut, **IN_USE_ERRORS})
def archive_location(request, location_id: int = PathId):
    """Close a location; 409 listing the appointments still to come there, 422 for the clinic's last open one."""
    try:
        return do_archive_location(request.auth, location_id)
    except LocationInUse as refused:
        return _still_booked(refused)


@router.post("/{location_id}/reopen", response={200: ClinicLocationOut, **WRITE_ERRORS})
def reopen_location(request, location_id: int = PathId):
    return do_reopen_location(request.auth, location_id)
