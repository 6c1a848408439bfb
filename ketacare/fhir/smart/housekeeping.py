"""Housekeeping (lib/housekeeping.py) for SMART App Launch and Backend Services: django-oauth-toolkit's expired
tokens and grants, and SMART launches left without a token."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone
from oauth2_provider.models import clear_expired
from oauth2_provider.settings import oauth2_settings

from ketacare.fhir.smart.models import SmartLaunch

# A token request that checked its code just before the code expired may still be saving its token (and
# attaching the launch to it): a launch is left alone this long past its code's lifetime.
TOKEN_REQUEST_MARGIN = timedelta(minutes=5)

# django-oauth-toolkit's clear_expired() returns nothing; it logs how many rows of each kind it deleted
# ("%s Expired access tokens deleted"). Each message and the label the housekeeping prints for it.
_TOOLKIT_LOGGER = "oauth2_provider.models"
_TOOLKIT_COUNTS = {
    "%s Revoked refresh tokens deleted": "OAuth refresh tokens",
    "%s Orphaned refresh tokens deleted": "OAuth refresh tokens",
    "%s Expired refresh tokens deleted": "OAuth refresh tokens",
    "%s Expired access tokens deleted": "OAuth access tokens",
    "%s Expired ID tokens deleted": "OpenID id tokens",
    "%s Expired grant tokens deleted": "OAuth authorization codes",
}


class _DeletedCounts(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.counts: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = str(record.msg)
        if message.startswith("%s ") and message.endswith(" deleted") and record.args:
            label = _TOOLKIT_COUNTS.get(message, message[3:])
            self.counts[label] = self.counts.get(label, 0) + int(record.args[0])


@contextmanager
def _toolkit_deletions_counted() -> Iterator[dict[str, int]]:
    """The toolkit's deletion counts, read from its log records. Those records are kept from the console
    meanwhile: the housekeeping prints the counts itself."""
    counted = _DeletedCounts()
    toolkit_logger = logging.getLogger(_TOOLKIT_LOGGER)
    level, propagate = toolkit_logger.level, toolkit_logger.propagate
    toolkit_logger.addHandler(counted)
    toolkit_logger.setLevel(logging.INFO)
    toolkit_logger.propagate = False
    try:
        yield counted.counts
    finally:
        toolkit_logger.removeHandler(counted)
        toolkit_logger.setLevel(level)
        toolkit_logger.propagate = propagate


def remove_expired_authorizations() -> dict[str, int]:
    """Expired access, refresh and id tokens and authorization codes (django-oauth-toolkit's clear_expired():
    a revoked refresh token is kept until it would have expired, so its replay is still recognised), then
    SMART launches with no token left: a code never exchanged, or tokens since expired or revoked."""
    with _toolkit_deletions_counted() as counts:
        clear_expired()
    removed = {label: counts.get(label, 0) for label in dict.fromkeys(_TOOLKIT_COUNTS.values())}
    removed.update(counts)
    code_lifetime = timedelta(seconds=oauth2_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS)
    launches, _ = SmartLaunch.objects.filter(
        access_token__isnull=True,
        refresh_token__isnull=True,
        created_at__lt=timezone.now() - code_lifetime - TOKEN_REQUEST_MARGIN,
    ).delete()
    removed["SMART launches without a token"] = launches
    return removed
