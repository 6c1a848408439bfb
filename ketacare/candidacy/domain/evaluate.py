"""Evaluate a case: the TRD assessment, the findings, and a status per route."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ketacare.candidacy.domain.case import Case
from ketacare.candidacy.domain.findings import Eligibility, Finding, Route, eligibility
from ketacare.candidacy.domain.policy import DEFAULT_POLICY, CandidacyPolicy
from ketacare.candidacy.domain.rules import RULES, Context, Rule, current_medicines_by_class
from ketacare.candidacy.domain.trd import TrdAssessment, assess_treatment_resistance


@dataclass(frozen=True)
class RouteResult:
    route: Route
    status: Eligibility
    findings: tuple[Finding, ...]  # most severe first, then in rule order


@dataclass(frozen=True)
class CandidacyResult:
    evaluation_date: dt.date
    age_years: int
    trd: TrdAssessment
    findings: tuple[Finding, ...]  # in rule order
    routes: Mapping[Route, RouteResult]  # in Route order


def evaluate_case(
    case: Case, policy: CandidacyPolicy = DEFAULT_POLICY, rules: Sequence[Rule] = RULES
) -> CandidacyResult:
    trd = assess_treatment_resistance(case, policy)
    context = Context(
        case=case,
        policy=policy,
        age_years=case.age_years,
        trd=trd,
        medicines=current_medicines_by_class(case),
    )
    findings = []
    for rule in rules:
        values = rule.match(context)
        if values is not None:
            findings.append(
                Finding(rule.code, rule.severity(policy), rule.routes, rule.explanation.format(**values), rule.source)
            )
    routes = {}
    for route in Route:
        on_route = sorted((f for f in findings if route in f.routes), key=lambda f: f.severity.rank)
        routes[route] = RouteResult(route, eligibility(on_route), tuple(on_route))
    return CandidacyResult(case.evaluation_date, context.age_years, trd, tuple(findings), routes)
