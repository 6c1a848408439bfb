"""Living the demo's past in time order: stories that wait for their next moment, and the clinic's
calendar (local times, open days).

A story is a generator that yields the moment it next acts and, when resumed, acts at that moment
through the actions. The timeline resumes the story whose moment comes first, with the clock set
to it, so every patient's year interleaves with the others' as it would in a clinic: the audit
trail and the controlled-substance ledger are written in the order things happened. A story whose
next moment is past the end of the lived time stops there (what it booked for later stays booked).
"""

import datetime as dt
import heapq
import itertools
from collections.abc import Iterator

from ketacare.clinics.models import Location
from ketacare.site.demo.clock import DemoClock

Story = Iterator[dt.datetime]
WEEKEND = (5, 6)


class Timeline:
    def __init__(self, clock: DemoClock, end: dt.datetime, closed_days: set[tuple[int, dt.date]]):
        self.clock = clock
        self.end = end
        # (location id, local date) the clinic is closed, besides weekends.
        self.closed_days = closed_days
        self._waiting: list[tuple[dt.datetime, int, Story]] = []
        self._order = itertools.count()

    def spawn(self, story: Story) -> None:
        """Start a story: what it does before its first yield happens now, the rest at the moments it yields."""
        self._wait(story)

    def _wait(self, story: Story) -> None:
        moment = next(story, None)
        if moment is None:
            return
        if moment > self.end:
            story.close()
            return
        heapq.heappush(self._waiting, (moment, next(self._order), story))

    def run(self) -> None:
        """Resume the stories in time order until none is left before the end."""
        while self._waiting:
            moment, _, story = heapq.heappop(self._waiting)
            self.clock.set(moment)
            self._wait(story)

    def is_open(self, location: Location, day: dt.date) -> bool:
        return day.weekday() not in WEEKEND and (location.pk, day) not in self.closed_days

    def open_day(self, location: Location, day: dt.date) -> dt.date:
        """`day`, or the first open day after it."""
        while not self.is_open(location, day):
            day += dt.timedelta(days=1)
        return day


def local(location: Location, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A wall-clock time at the location, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=location.zone)


def local_day(location: Location, moment: dt.datetime) -> dt.date:
    return moment.astimezone(location.zone).date()
