"""The demo's clock: the time every action sees while the past year is lived through.

Every action, model default (`auto_now_add`) and the charting clock (treatments/clock.py) ask
`django.utils.timezone.now()` through the module, so replacing that one function for the length
of the seed sets the clock back for all of them: rows, audit entries and ledger entries are
written by the real actions with the time the step happened. `localdate()` follows, as it calls
the same `now()`. Outside `running()` nothing is patched.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone

_real_now = timezone.now


class DemoClock:
    def __init__(self) -> None:
        self.moment: dt.datetime | None = None

    def now(self) -> dt.datetime:
        """The set moment, or the real time when none is set; in UTC, as Django's own now() (the audit
        and ledger chains hash the time as written)."""
        return self.moment.astimezone(dt.UTC) if self.moment is not None else _real_now()

    def set(self, moment: dt.datetime | None) -> None:
        """Move the clock to `moment` (aware); None gives the real time back. Never backwards."""
        if moment is not None and self.moment is not None and moment < self.moment:
            raise ValueError(f"the demo clock cannot go back from {self.moment} to {moment}")
        self.moment = moment

    @contextmanager
    def running(self) -> Iterator["DemoClock"]:
        with mock.patch.object(timezone, "now", self.now):
            yield self
