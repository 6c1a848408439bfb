"""The session's status flow: which step may follow which."""

from enum import StrEnum


class Status(StrEnum):
    CHECKED_IN = "checked_in"
    PRECHECKS_DONE = "prechecks_done"
    HELD = "held"
    DOSING = "dosing"
    ADMINISTERING = "administering"
    OBSERVING = "observing"
    DISCHARGED = "discharged"
    SIGNED = "signed"
    CANCELLED = "cancelled"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.CHECKED_IN: frozenset({Status.PRECHECKS_DONE, Status.HELD, Status.CANCELLED}),
    Status.HELD: frozenset({Status.PRECHECKS_DONE, Status.CANCELLED}),
    Status.PRECHECKS_DONE: frozenset({Status.DOSING, Status.CANCELLED}),
    # Esketamine: recording the first device starts administration from DOSING.
    Status.DOSING: frozenset({Status.ADMINISTERING, Status.CANCELLED}),
    Status.ADMINISTERING: frozenset({Status.OBSERVING}),
    Status.OBSERVING: frozenset({Status.DISCHARGED}),
    Status.DISCHARGED: frozenset({Status.SIGNED}),
    Status.SIGNED: frozenset(),
    Status.CANCELLED: frozenset(),
}

# Steps that write the chart, and the statuses they are allowed in.
VITALS_ALLOWED = frozenset(
    {
        Status.CHECKED_IN,
        Status.PRECHECKS_DONE,
        Status.HELD,
        Status.DOSING,
        Status.ADMINISTERING,
        Status.OBSERVING,
    }
)
# The checklist closes once the pre-session checks are done.
CHECKS_ALLOWED = frozenset({Status.CHECKED_IN, Status.HELD})
EVENTS_ALLOWED = frozenset(
    {
        Status.CHECKED_IN,
        Status.PRECHECKS_DONE,
        Status.HELD,
        Status.DOSING,
        Status.ADMINISTERING,
        Status.OBSERVING,
        Status.DISCHARGED,
    }
)
RATINGS_ALLOWED = frozenset({Status.ADMINISTERING, Status.OBSERVING})


def can_move(current: str, new: str) -> bool:
    return Status(new) in TRANSITIONS[Status(current)]
