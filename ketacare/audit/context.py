"""The current request's client address, for audit entries written deep in actions.

One function decides who the client is, for the audit trail, the inquiry rate limit and the sign-in
lockout (django-axes, AXES_CLIENT_IP_CALLABLE), so an address forged for one cannot pass the others.
"""

import ipaddress
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest

current_source_address: ContextVar[str | None] = ContextVar("current_source_address", default=None)


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's address, trusting exactly TRUSTED_PROXY_HOPS proxies in front of KetaCare.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
    the entry `hops` from the right was written by the outermost trusted proxy; anything to its
    left was sent by the client and may be forged. Malformed entries are skipped, not trusted:
    if fewer valid entries than hops remain, the request did not come through all the proxies and
    the direct peer (REMOTE_ADDR) is used.
    """
    hops = settings.TRUSTED_PROXY_HOPS
    if hops:
        entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        forwarded = [address for address in map(_valid_address, entries) if address is not None]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return _valid_address(request.META.get("REMOTE_ADDR", ""))
