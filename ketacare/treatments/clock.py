"""The charting clock: one place that says what time it is, so tests can step through a session."""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()
