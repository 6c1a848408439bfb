"""docs/candidacy.md must say what the code does: every rule, every parameter, the example output."""

import dataclasses
import datetime as dt

import pytest

from ketacare.candidacy.domain.evaluate import evaluate_case
from ketacare.candidacy.domain.findings import ALL_ROUTES, ESKETAMINE_ROUTES, RACEMIC_ROUTES
from ketacare.candidacy.domain.parse import case_from_json
from ketacare.candidacy.domain.policy import DEFAULT_POLICY, POLICY_SOURCES, CandidacyPolicy
from ketacare.candidacy.domain.report import result_as_text
from ketacare.candidacy.domain.rules import RULES
from ketacare.candidacy.tests.builders import EXAMPLES_DIR

DOC = (EXAMPLES_DIR.parents[0] / "candidacy.md").read_text()
ROUTE_WORDS = {ALL_ROUTES: "all", ESKETAMINE_ROUTES: "esketamine", RACEMIC_ROUTES: "racemic"}


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: f"{rule.code}:{ROUTE_WORDS[rule.routes]}")
def test_every_rule_has_its_row(rule):
    rows = [line for line in DOC.splitlines() if line.startswith(f"| `{rule.code}` | ")]
    expected_start = f"| `{rule.code}` | {rule.severity(DEFAULT_POLICY).value}"
    expected_end = f" | {ROUTE_WORDS[rule.routes]} | {rule.explanation} | {rule.source} |"
    assert any(row.startswith(expected_start) and row.endswith(expected_end) for row in rows)


@pytest.mark.parametrize("parameter", [f.name for f in dataclasses.fields(CandidacyPolicy)])
def test_every_policy_parameter_has_its_row_with_default_and_source(parameter):
    default = getattr(DEFAULT_POLICY, parameter)
    if parameter == "minimum_daily_dose_mg":
        shown = "the table below"
    elif isinstance(default, bool):
        shown = str(default).lower()
    elif isinstance(default, int | float):
        shown = f"{default:g}"
    else:
        shown = default.value
    assert f"| `{parameter}` | {shown} | {POLICY_SOURCES[parameter]} |" in DOC


def test_the_documented_example_output_is_what_the_command_prints():
    text = (EXAMPLES_DIR / "candidacy-racemic-excluded.json").read_text()
    result = evaluate_case(case_from_json(text, today=dt.date(2026, 11, 22)))
    assert f"```\n{result_as_text(result)}```" in DOC
