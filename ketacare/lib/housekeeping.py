"""Rows that pile up and are never read again (expired sessions, expired OAuth tokens, ...), and the registry of
the tasks that remove them.

An app that leaves such rows behind writes a task (no arguments; returns how many rows of each kind it removed,
by a label an operator understands) and registers it in its `AppConfig.ready()`; `ketacare housekeeping` runs
every registered task and prints the counts. A task removes only rows nothing can use any more: never an audit
entry, a clinical row or a token still valid.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

HousekeepingTask = Callable[[], Mapping[str, int]]

_registry: list[HousekeepingTask] = []


def register_housekeeping(task: HousekeepingTask) -> None:
    """Run `task` at every housekeeping pass (call it from the app's AppConfig.ready())."""
    if task not in _registry:
        _registry.append(task)


@dataclass(frozen=True)
class HousekeepingResult:
    """How many rows of each kind one pass removed, in the order the tasks reported them."""

    removed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.removed.values())

    def __str__(self) -> str:
        return "removed: " + ", ".join(f"{label} {count}" for label, count in self.removed.items())


def run_housekeeping() -> HousekeepingResult:
    """One pass of every registered task."""
    removed: dict[str, int] = {}
    for task in _registry:
        for label, count in task().items():
            removed[label] = removed.get(label, 0) + count
    return HousekeepingResult(removed)
