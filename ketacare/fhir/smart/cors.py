"""Which cross-origin requests may read a response (django-cors-headers asks `check_request_enabled`).

A browser-based SMART app calls the token endpoint and /fhir/ from its own origin: the origin of one of the
redirect URIs a clinic registered it with (an app at https://app.example/cb calls from https://app.example).
The discovery documents and the JWKS are public: any origin may read them. Every other address, above all
a signed-in page, answers no cross-origin request (settings.CORS_URLS_REGEX names the addresses; no
credentials are ever allowed, so only bearer tokens work across origins).
"""

import re
from urllib.parse import urlsplit

from corsheaders.signals import check_request_enabled
from django.conf import settings
from django.dispatch import receiver
from oauth2_provider.models import Application

PUBLIC_PATHS = re.compile(r"^/(fhir/)?(\.well-known/[a-z-]+(\.json)?|metadata)$")
DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` as a browser writes it in the Origin header (lower case, no default port)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port_text = f":{port}" if port is not None and port != DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{host}{port_text}"


def is_registered_app_origin(origin: str) -> bool:
    """True when `origin` is the origin of a redirect URI of a SMART app some clinic registered."""
    normalised = origin_of(origin)
    if normalised is None:
        return False
    # The host narrows the rows; the exact origin of each redirect URI decides.
    candidates = Application.objects.filter(
        smart_app__isnull=False, redirect_uris__icontains=urlsplit(normalised).hostname
    ).values_list("redirect_uris", flat=True)
    return any(origin_of(uri) == normalised for uris in candidates for uri in uris.split())


@receiver(check_request_enabled)
def allow_registered_app_origins(sender, request, **kwargs) -> bool:
    if not re.match(settings.CORS_URLS_REGEX, request.path_info):
        return False
    origin = request.headers.get("Origin")
    if not origin:
        return False
    return bool(PUBLIC_PATHS.match(request.path_info)) or is_registered_app_origin(origin)
