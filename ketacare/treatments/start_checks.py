"""Checks that may stop a treatment session from being dosed, registered by the apps above treatments.

Treatments charts every route but does not know each programme that may forbid a dose. The
esketamine REMS is one (a certified setting, an enrolled patient: CLINICAL.md §2); it lives on a
higher floor, so it registers its check here from RemsConfig.ready() and treatments imports
nothing of it. The dose and device actions (actions/dosing.py) ask every registered check and
refuse, naming the check's field, while any of them names a problem.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketacare.treatments.models import TreatmentSession

# Why `session` may not be dosed now, one sentence each; [] when it may.
StartCheck = Callable[["TreatmentSession"], list[str]]

_checks: dict[str, StartCheck] = {}


def register_start_check(field: str, check: StartCheck) -> None:
    """Ask `check` before every dose and device; its problems are shown on `field`.

    Registering a field again replaces its check, so an app's ready() running twice (tests that
    reload the app registry) does not ask the same check twice.
    """
    _checks[field] = check


def registered_start_checks() -> dict[str, StartCheck]:
    """The checks by field (a copy: registering goes through register_start_check)."""
    return dict(_checks)


def start_check_problems(session: "TreatmentSession") -> dict[str, str]:
    """Each registered check's problems for `session`, joined per field; {} when it may be dosed."""
    problems = {}
    for field, check in _checks.items():
        reasons = check(session)
        if reasons:
            problems[field] = " ".join(reasons)
    return problems
