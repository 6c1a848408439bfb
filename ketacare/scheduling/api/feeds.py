"""REST endpoints of calendar feeds and the patient's own appointments (/api/v1/scheduling)."""

from ninja import Router

from ketacare.lib.api import LIST_ERRORS, READ_ERRORS, PathId
from ketacare.scheduling.actions import feeds as feed_actions
from ketacare.scheduling.schemas import FeedCreatedOut, FeedOut, OwnAppointmentOut
from ketacare.scheduling.selectors.feeds import access_own_upcoming_appointments, feed_path, own_calendar_feeds

router = Router()


@router.get("/feeds", response={200: list[FeedOut], **LIST_ERRORS})
def list_feeds(request):
    """The caller's own calendar feeds, newest first (staff: their appointments; patients: theirs)."""
    return own_calendar_feeds(request.auth)


@router.post("/feeds", response={201: FeedCreatedOut, **LIST_ERRORS})
def create_feed(request):
    """A new feed URL for the caller; any previous one is revoked."""
    feed, token = feed_actions.do_create_calendar_feed(request.auth)
    return 201, {
        "id": feed.pk,
        "created_at": feed.created_at,
        "revoked_at": feed.revoked_at,
        "last_used_at": feed.last_used_at,
        "url": request.build_absolute_uri(feed_path(token)),
    }


@router.post("/feeds/{feed_id}/revoke", response={200: FeedOut, **READ_ERRORS})
def revoke_feed(request, feed_id: int = PathId):
    """Revoke one of the caller's feeds; its URL then answers 404."""
    return feed_actions.do_revoke_calendar_feed(request.auth, feed_id)


@router.get("/portal/appointments", response={200: list[OwnAppointmentOut], **LIST_ERRORS})
def own_appointments(request):
    """The signed-in patient's upcoming booked appointments, with how to prepare."""
    items = access_own_upcoming_appointments(request.auth) or []
    return [
        {
            "id": item.appointment.pk,
            "appointment_type": item.appointment.appointment_type.name,
            "starts_at": item.appointment.starts_at,
            "ends_at": item.appointment.ends_at,
            "location": item.appointment.location.name,
            "time_zone": item.appointment.location.time_zone,
            "local_time": item.local_time,
            "instructions": item.instructions,
        }
        for item in items
    ]
