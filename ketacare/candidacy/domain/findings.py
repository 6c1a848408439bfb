"""Routes, severities and the findings the candidacy rules produce."""

from dataclasses import dataclass
from enum import StrEnum


class Route(StrEnum):
    KETAMINE_IV = "ketamine_iv"
    KETAMINE_IM = "ketamine_im"
    KETAMINE_SUBLINGUAL = "ketamine_sublingual"
    ESKETAMINE_INTRANASAL = "esketamine_intranasal"

    @property
    def label(self) -> str:
        return ROUTE_LABELS[self]


ROUTE_LABELS = {
    Route.KETAMINE_IV: "IV racemic ketamine (off-label)",
    Route.KETAMINE_IM: "IM racemic ketamine (off-label)",
    Route.KETAMINE_SUBLINGUAL: "Sublingual racemic ketamine (off-label)",
    Route.ESKETAMINE_INTRANASAL: "Intranasal esketamine (Spravato, US label)",
}

RACEMIC_ROUTES = frozenset({Route.KETAMINE_IV, Route.KETAMINE_IM, Route.KETAMINE_SUBLINGUAL})
ESKETAMINE_ROUTES = frozenset({Route.ESKETAMINE_INTRANASAL})
ALL_ROUTES = RACEMIC_ROUTES | ESKETAMINE_ROUTES


class Severity(StrEnum):
    """`contraindication` makes the route not eligible: a label contraindication, an unmet
    label indication or a clinic-policy exclusion. `caution` asks the prescriber to weigh
    it; `information` is context."""

    CONTRAINDICATION = "contraindication"
    CAUTION = "caution"
    INFORMATION = "information"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.CONTRAINDICATION: 0, Severity.CAUTION: 1, Severity.INFORMATION: 2}


class Eligibility(StrEnum):
    ELIGIBLE = "eligible"
    ELIGIBLE_WITH_CAUTIONS = "eligible_with_cautions"
    NOT_ELIGIBLE = "not_eligible"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    routes: frozenset[Route]
    explanation: str
    source: str


def eligibility(findings: list[Finding] | tuple[Finding, ...]) -> Eligibility:
    """Any contraindication → not eligible; else any caution → eligible with cautions."""
    severities = {finding.severity for finding in findings}
    if Severity.CONTRAINDICATION in severities:
        return Eligibility.NOT_ELIGIBLE
    if Severity.CAUTION in severities:
        return Eligibility.ELIGIBLE_WITH_CAUTIONS
    return Eligibility.ELIGIBLE
