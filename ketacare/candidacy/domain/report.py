"""A candidacy result as JSON-ready data and as a readable summary."""

from ketacare.candidacy.domain.evaluate import CandidacyResult
from ketacare.candidacy.domain.findings import ALL_ROUTES, Finding, Route
from ketacare.candidacy.domain.trd import TrdAssessment

DISCLAIMER = "Decision support for the prescriber, not a decision: the prescriber weighs every finding."


def _finding_dict(finding: Finding) -> dict[str, str]:
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "explanation": finding.explanation,
        "source": finding.source,
    }


def _trd_dict(trd: TrdAssessment) -> dict[str, object]:
    return {
        "met": trd.met,
        "adequate_failures": trd.adequate_failures,
        "threshold": trd.threshold,
        "minimum_trial_weeks": trd.minimum_trial_weeks,
        "episode_start_date": trd.episode_start_date.isoformat(),
        "trials": [
            {
                "index": trial.index,
                "drug": trial.drug,
                "status": trial.status.value,
                "counted": trial.counted,
                "days_in_episode": trial.days_in_episode,
                "minimum_dose_mg": trial.minimum_dose_mg,
                "reasons": list(trial.reasons),
            }
            for trial in trd.trials
        ],
    }


def result_as_dict(result: CandidacyResult) -> dict[str, object]:
    return {
        "evaluation_date": result.evaluation_date.isoformat(),
        "age_years": result.age_years,
        "note": DISCLAIMER,
        "trd": _trd_dict(result.trd),
        "routes": {
            route.value: {
                "label": route.label,
                "status": route_result.status.value,
                "findings": [_finding_dict(f) for f in route_result.findings],
            }
            for route, route_result in result.routes.items()
        },
    }


def result_as_text(result: CandidacyResult) -> str:
    trd = result.trd
    lines = [
        f"Candidacy on {result.evaluation_date.isoformat()}, patient aged {result.age_years}.",
        DISCLAIMER,
        "",
        f"Treatment resistance: {'met' if trd.met else 'NOT met'} — {trd.adequate_failures} adequate failed "
        f"trial(s) in the current episode (from {trd.episode_start_date.isoformat()}), {trd.threshold} needed; "
        f"minimum duration {trd.minimum_trial_weeks:g} weeks.",
    ]
    for trial in trd.trials:
        lines.append(f"  trials[{trial.index}] {trial.drug}: {trial.status.value.replace('_', ' ')}")
        lines.extend(f"      - {reason}" for reason in trial.reasons)
    lines += ["", "By route:"]
    for route, route_result in result.routes.items():
        lines.append(f"  {route.label}: {route_result.status.value.replace('_', ' ').upper()}")
    lines += ["", "Findings:" if result.findings else "Findings: none"]
    # Each finding once, with the routes it concerns, most severe first.
    for finding in sorted(result.findings, key=lambda f: f.severity.rank):
        routes = ", ".join(r.value for r in Route if r in finding.routes)
        if finding.routes == ALL_ROUTES:
            routes = "all routes"
        lines.append(f"  [{finding.severity.value}] {finding.code} ({routes}): {finding.explanation}")
        lines.append(f"      source: {finding.source}")
    return "\n".join(lines) + "\n"
