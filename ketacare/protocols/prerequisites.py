"""What a treatment plan needs before it is created or started (issue 14.2): hard stops in the actions.

- an approved candidacy decision for the plan's route (the latest decision for that route, so a later
  decline withdraws it);
- for a weight-based route, a weight measured today (the patient's local day), because the plan's
  dose is calculated from it;
- whatever the apps above register with `register_plan_prerequisite` (signed consent, issue 16:
  consent lives on a higher floor and registers its check here, as REMS does in treatments/start_checks.py).

A prescriber may start a plan despite a missing prerequisite only where the clinic allows it
(ProtocolSettings.prescriber_may_override_plan_prerequisites, default off), with a reason; the
override is audited and kept on the plan.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from ketacare.candidacy.domain.findings import Route as CandidacyRoute
from ketacare.candidacy.selectors import approved_routes
from ketacare.patients.models import Patient
from ketacare.protocols.models import Route

if TYPE_CHECKING:
    from ketacare.protocols.models import ProtocolTemplate

# A plan's route -> the candidacy route a prescriber approves.
CANDIDACY_ROUTE = {
    Route.IV: CandidacyRoute.KETAMINE_IV,
    Route.IM: CandidacyRoute.KETAMINE_IM,
    Route.SUBLINGUAL: CandidacyRoute.KETAMINE_SUBLINGUAL,
    Route.INTRANASAL_ESKETAMINE: CandidacyRoute.ESKETAMINE_INTRANASAL,
}

# Why `patient` may not have a plan from `template` yet (one sentence naming where to fix it), or "".
PlanPrerequisite = Callable[[Patient, "ProtocolTemplate"], str]

_registered: dict[str, PlanPrerequisite] = {}


def register_plan_prerequisite(field: str, check: PlanPrerequisite) -> None:
    """Ask `check` whenever a plan is created or started; its problem is shown on `field`.

    The hook for signed consent (issue 16): the consent app registers its check under "consent"
    from its AppConfig.ready(). Registering a field again replaces its check.
    """
    _registered[field] = check


def _candidacy_problem(patient: Patient, template: "ProtocolTemplate") -> str:
    route = CANDIDACY_ROUTE[Route(template.route)]
    if route in approved_routes(patient):
        return ""
    return (
        f"No approved candidacy decision for {route.label}: a prescriber records one on the patient's "
        "Candidacy page (complete the intake, then approve this route)."
    )


def _weight_problem(patient: Patient, template: "ProtocolTemplate") -> str:
    if not template.is_weight_based:
        return ""
    today = patient.today()
    if patient.weights.filter(measured_on=today).exists():
        return ""
    return (
        f"No weight recorded today ({today:%a %d %b %Y}): the dose is calculated from it. "
        "Record today's weight on the patient's chart (Weights)."
    )


def plan_prerequisite_problems(patient: Patient, template: "ProtocolTemplate") -> dict[str, str]:
    """Each missing prerequisite by field; {} when a plan from `template` may be created or started."""
    checks: dict[str, PlanPrerequisite] = {
        "candidacy": _candidacy_problem,
        "weight": _weight_problem,
        **_registered,
    }
    problems = {field: check(patient, template) for field, check in checks.items()}
    return {field: problem for field, problem in problems.items() if problem}
