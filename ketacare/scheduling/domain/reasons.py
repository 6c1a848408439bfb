"""Why a request got no course: relax one constraint at a time and name the first whose removal helps.

The order goes from the request's own shape outwards: opening hours, closed dates, nurse shifts and
the horizon; then the patient's availability; then chairs and nurses taken by booked items; and last,
capacity that went to other requests of the same run.
"""

import dataclasses

from ketacare.scheduling.domain.instance import Instance, Request
from ketacare.scheduling.domain.series import earliest_series, first_day_bounds
from ketacare.scheduling.domain.timeline import LocationTimeline, build_timelines


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class Explainer:
    """Reasons for one instance; the relaxed timelines are built once and shared by all requests."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self._timelines: dict[tuple[bool, bool, bool], dict[str, LocationTimeline]] = {}

    def _fits(
        self, request: Request, *, booked: bool, availability: bool, chairs: bool = True, nurses: bool = True
    ) -> bool:
        key = (booked, chairs, nurses)
        if key not in self._timelines:
            self._timelines[key] = build_timelines(self.instance, booked=booked, chairs=chairs, nurses=nurses)
        return earliest_series(self.instance, request, self._timelines[key], use_availability=availability) is not None

    def reason(self, request: Request) -> str:
        instance = self.instance
        where = (
            " or ".join(request.locations)
            if len(request.locations) <= 3
            else f"any of its {len(request.locations)} locations"
        )
        what = f"{request.sessions}-session series" if request.sessions > 1 else "session"
        shape = ""
        if request.sessions > 1:
            shape += f" at least {_plural(request.day_gap, 'day')} apart"
            if request.max_span_days is not None:
                shape += f" within {_plural(request.max_span_days, 'day')}"
        first, last = first_day_bounds(instance, request)
        horizon = f"{instance.date_of(0)} to {instance.date_of(instance.days - 1)}"
        if first > last:
            return (
                f"its first session must fall from {request.earliest_date or instance.date_of(0)} to "
                f"{request.latest_start_date or instance.date_of(instance.days - 1)}, outside the horizon {horizon}"
            )
        if not self._fits(request, booked=False, availability=False):
            single = dataclasses.replace(request, sessions=1, earliest_date=None, latest_start_date=None)
            if not self._fits(single, booked=False, availability=False):
                return (
                    f"no {request.session_minutes}-minute session fits the opening hours and nurse shifts "
                    f"at {where} from {horizon}"
                )
            starting = f", starting {instance.date_of(first)} to {instance.date_of(last)},"
            return (
                f"no {what}{shape}{starting} fits the opening hours, closed dates and nurse shifts at {where} "
                f"by {instance.date_of(instance.days - 1)}"
            )
        if not self._fits(request, booked=False, availability=True):
            return f"no {what}{shape} fits patient availability at {where}"
        if not self._fits(request, booked=True, availability=True):
            if self._fits(request, booked=True, availability=True, nurses=False):
                return (
                    f"nurse monitoring capacity (chairs per nurse × nurses on shift) at {where} is fully booked "
                    f"for any {what}{shape} in the patient's availability"
                )
            if self._fits(request, booked=True, availability=True, chairs=False):
                return f"chairs at {where} are fully booked for any {what}{shape} in the patient's availability"
            return f"chairs and nurses at {where} are fully booked for any {what}{shape} in the patient's availability"
        return (
            f"chairs or nurses at {where} for every {what}{shape} in the patient's availability went to "
            f"other requests of this run"
        )
