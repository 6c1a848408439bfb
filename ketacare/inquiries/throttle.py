"""The per-address limit on consultation requests, shared by the page and the API."""

from django.conf import settings
from django_ratelimit.core import is_ratelimited

from ketacare.audit.context import client_address


def _sender_address(group, request) -> str:
    # The same address the audit trail and the sign-in lockout use (KETACARE_TRUSTED_PROXY_HOPS
    # behind a proxy); requests with no address at all share one count.
    return client_address(request) or "unknown-address"


def submission_rate_limited(request) -> bool:
    """Count this submission against the sender's address; True once over INQUIRY_RATE_LIMIT."""
    return is_ratelimited(
        request, group="inquiries", key=_sender_address, rate=settings.INQUIRY_RATE_LIMIT, increment=True
    )
