"""Treatment plan statuses and the changes allowed between them."""

from enum import StrEnum

from ketacare.protocols.domain.errors import ProtocolRuleError


class PlanStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    STOPPED = "stopped"

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(status.value, status.value.capitalize()) for status in cls]


# Completed and stopped are final: a new course is a new plan.
PLAN_TRANSITIONS: dict[PlanStatus, frozenset[PlanStatus]] = {
    PlanStatus.PROPOSED: frozenset({PlanStatus.ACTIVE, PlanStatus.STOPPED}),
    PlanStatus.ACTIVE: frozenset({PlanStatus.PAUSED, PlanStatus.COMPLETED, PlanStatus.STOPPED}),
    PlanStatus.PAUSED: frozenset({PlanStatus.ACTIVE, PlanStatus.STOPPED}),
    PlanStatus.COMPLETED: frozenset(),
    PlanStatus.STOPPED: frozenset(),
}


def check_plan_transition(current: str, new: str) -> PlanStatus:
    try:
        target = PlanStatus(new)
    except ValueError:
        raise ProtocolRuleError("status", f"{new!r} is not a plan status") from None
    if target not in PLAN_TRANSITIONS[PlanStatus(current)]:
        raise ProtocolRuleError("status", f"A {current} plan cannot become {target.value}.")
    return target


def next_plan_statuses(current: str) -> list[PlanStatus]:
    return sorted(PLAN_TRANSITIONS[PlanStatus(current)], key=list(PlanStatus).index)
