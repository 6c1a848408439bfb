"""The current request's client address, for audit entries written deep in actions."""

from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest

current_source_address: ContextVar[str | None] = ContextVar("current_source_address", default=None)


def client_address(request: HttpRequest) -> str | None:
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None
