"""Calendar feeds behind unguessable, revocable URLs: creating, revoking, and serving one.

Only the token's SHA-256 is stored (selectors/feeds.py), so the token is shown once, when made.
"""

import datetime as dt
import secrets

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.patients.models import Patient
from ketacare.scheduling.ical import build_calendar
from ketacare.scheduling.models import CalendarFeed
from ketacare.scheduling.selectors.feeds import feed_appointments, feed_audience, live_feed_by_token, token_sha256

# How far back a feed reaches; phones keep what they already have.
FEED_PAST = dt.timedelta(days=60)


def new_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def do_create_calendar_feed(actor) -> tuple[CalendarFeed, str]:
    """A new feed for the actor, revoking any previous one; returns (feed, token) — the token only now."""
    feed_audience(actor)
    now = timezone.now()
    for old in CalendarFeed.objects.select_for_update().filter(owner=actor, revoked_at__isnull=True):
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        record_event(actor, AuditAction.STATUS_CHANGE, old, detail={"calendar_feed": "revoked", "replaced": True})
    token = new_token()
    feed = CalendarFeed.objects.create(owner=actor, token_sha256=token_sha256(token))
    record_event(actor, AuditAction.CREATE, feed, detail={"calendar_feed": "created"})
    return feed, token


@transaction.atomic
def do_revoke_calendar_feed(actor, feed_id: int) -> CalendarFeed:
    """Revoke one of the actor's own feeds (its URL then answers 404); 404 for anyone else's."""
    feed_audience(actor)
    feed = CalendarFeed.objects.select_for_update().filter(pk=feed_id, owner=actor).first()
    if feed is None:
        raise Http404("No such calendar feed")
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at"])
        record_event(actor, AuditAction.STATUS_CHANGE, feed, detail={"calendar_feed": "revoked"})
    return feed


def revoke_feeds_of(owner) -> list[CalendarFeed]:
    """Revoke every live feed of `owner` (a leaver: their URLs answer 404 from now on, and stay dead if
    they are reactivated); the revoked feeds. No permission check and no audit: the calling action
    (staff's deactivation) does both, in its transaction."""
    feeds = list(CalendarFeed.objects.select_for_update().filter(owner=owner, revoked_at__isnull=True))
    CalendarFeed.objects.filter(pk__in=[feed.pk for feed in feeds]).update(revoked_at=timezone.now())
    return feeds


def do_serve_calendar_feed(token: str) -> bytes:
    """The iCalendar body for a feed URL (the token is the credential): the feed's last use is
    recorded and the read audited under its owner; 404 as selectors.feeds.live_feed_by_token says."""
    feed, audience = live_feed_by_token(token)
    now = timezone.now()
    appointments = list(feed_appointments(feed.owner, audience, now - FEED_PAST))
    patient = Patient.objects.filter(user=feed.owner).first() if audience == "patient" else None
    # One UPDATE and one audit entry per fetch, not per appointment; the reads above hold no lock.
    with transaction.atomic():
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        record_event(
            feed.owner,
            AuditAction.VIEW,
            feed,
            patient=patient,
            organisation=feed.owner.organisation,
            detail={"calendar_feed": "read", "appointments": len(appointments)},
        )
    return build_calendar(appointments, audience=audience, name=f"{feed.owner.organisation.name} appointments")
