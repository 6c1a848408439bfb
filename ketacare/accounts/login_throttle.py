"""A per-address limit on failed sign-ins, beside django-axes' per-username lockout (docs/security.md).

Axes locks an account after AXES_FAILURE_LIMIT wrong passwords, whoever types them. Password spraying
tries a few passwords on many accounts, so it never trips that; this limit counts failures per client
address (axes' failure log, written with the same address as the audit trail) and refuses further
sign-ins from that address for the cool-off. So that an attacker behind a clinic's shared NAT does not
lock out the whole clinic, a username that signed in successfully from the same address recently is
not held by this limit (its own per-username lockout still applies).
"""

from datetime import timedelta

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.utils import timezone

from ketacare.audit.context import client_address


def _known_from_here(username: str, address: str, now) -> bool:
    since = now - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    return AccessLog.objects.filter(username=username, ip_address=address, attempt_time__gte=since).exists()


def address_throttled(request, username: str) -> bool:
    """True when this sign-in must be refused because its address had too many failures lately."""
    address = client_address(request)
    if address is None:
        return False
    now = timezone.now()
    recent_failures = AccessFailureLog.objects.filter(
        ip_address=address, attempt_time__gte=now - settings.AXES_COOLOFF_TIME
    ).count()
    if recent_failures < settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        return False
    return not _known_from_here(username, address, now)
