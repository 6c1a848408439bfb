"""A solve result: which requests got a course, where and when, and why the others did not."""

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class SessionPlacement:
    chair: str
    start: dt.datetime  # naive, local to the instance's timezone


@dataclass(frozen=True)
class ScheduledRequest:
    id: str
    location: str
    sessions: tuple[SessionPlacement, ...]


@dataclass(frozen=True)
class SolveResult:
    scheduled: list[ScheduledRequest]
    unscheduled: list[tuple[str, str]]  # (request id, reason)
    # How the result was found: "first-fit"; from solve: "exact" (one request, or first fit placed every
    # request), "cp-sat optimal", "cp-sat feasible" (time limit reached) or "local search" (CP-SAT skipped
    # or without a solution in time). Never fewer courses than first fit.
    method: str = "first-fit"

    def to_json(self) -> dict[str, object]:
        """The result in the exchange format (../shared/scheduling-instance.md)."""
        return {
            "scheduled": [
                {
                    "id": request.id,
                    "location": request.location,
                    "sessions": [
                        {"chair": s.chair, "start": s.start.strftime("%Y-%m-%dT%H:%M")} for s in request.sessions
                    ],
                }
                for request in self.scheduled
            ],
            "unscheduled": [{"id": request_id, "reason": reason} for request_id, reason in self.unscheduled],
        }
