import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from ketacare.candidacy.tests.builders import EXAMPLES_DIR

REPO_ROOT = EXAMPLES_DIR.parents[1]
CAUTIONS = EXAMPLES_DIR / "candidacy-eligible-with-cautions.json"
RACEMIC_EXCLUDED = EXAMPLES_DIR / "candidacy-racemic-excluded.json"


def evaluate(*args) -> str:
    out = io.StringIO()
    call_command("candidacy", "evaluate", *map(str, args), stdout=out)
    return out.getvalue()


def route_codes(result, route):
    return [(f["severity"], f["code"]) for f in result["routes"][route]["findings"]]


def test_example_with_cautions_as_json():
    result = json.loads(evaluate(CAUTIONS, "--json"))
    assert result["evaluation_date"] == "2026-10-15"
    assert result["age_years"] == 46
    assert result["trd"]["met"] is True
    assert result["trd"]["adequate_failures"] == 3
    assert [(t["drug"], t["status"], t["counted"]) for t in result["trd"]["trials"]] == [
        ("escitalopram", "outside_episode", False),
        ("sertraline", "adequate_failure", True),
        ("venlafaxine XR", "adequate_failure", True),
        ("duloxetine", "intolerance", False),
        ("mirtazapine", "adequate_failure", True),
    ]
    assert {route: r["status"] for route, r in result["routes"].items()} == {
        "ketamine_iv": "eligible_with_cautions",
        "ketamine_im": "eligible_with_cautions",
        "ketamine_sublingual": "eligible_with_cautions",
        "esketamine_intranasal": "eligible_with_cautions",
    }
    assert route_codes(result, "esketamine_intranasal") == [
        ("caution", "medication.benzodiazepine"),
        ("information", "bp.controlled_hypertension"),
        ("information", "trd.intolerance"),
    ]
    finding = result["routes"]["ketamine_iv"]["findings"][2]
    assert finding == {
        "code": "trd.intolerance",
        "severity": "information",
        "explanation": "Stopped early for side effects (intolerance, not counted as adequate failures): "
        "duloxetine (trials[3]).",
        "source": "CLINICAL.md §4: ATHF subtracts 1 for intolerance",
    }


def test_example_with_racemic_excluded_as_json():
    result = json.loads(evaluate(RACEMIC_EXCLUDED, "--json"))
    assert (result["trd"]["met"], result["trd"]["adequate_failures"]) == (True, 2)
    assert [t["status"] for t in result["trd"]["trials"]] == [
        "inadequate",
        "adequate_failure",
        "inadequate",
        "inadequate",
        "adequate_failure",
        "augmentation",
    ]
    assert {route: r["status"] for route, r in result["routes"].items()} == {
        "ketamine_iv": "not_eligible",
        "ketamine_im": "not_eligible",
        "ketamine_sublingual": "not_eligible",
        "esketamine_intranasal": "eligible_with_cautions",
    }
    assert route_codes(result, "ketamine_sublingual") == [
        ("contraindication", "ketamine.psychosis_current"),
        ("caution", "bp.elevated_baseline"),
        ("caution", "medication.psychostimulant"),
        ("information", "history.substance_use_past"),
        ("information", "history.prior_ketamine_nonresponse"),
    ]
    assert route_codes(result, "esketamine_intranasal")[0] == ("caution", "esketamine.psychosis_current")


def test_readable_summary():
    text = evaluate(RACEMIC_EXCLUDED)
    assert text.startswith("Candidacy on 2026-10-15, patient aged 34.\n")
    assert "  IV racemic ketamine (off-label): NOT ELIGIBLE\n" in text
    assert "  Intranasal esketamine (Spravato, US label): ELIGIBLE WITH CAUTIONS\n" in text
    assert "  trials[3] paroxetine: inadequate\n      - poor adherence\n" in text


def test_bad_input_is_a_command_error_with_status_2(tmp_path):
    data = json.loads(CAUTIONS.read_text())
    data["trials"][1]["start_date"] = "15/09/2025"
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError) as caught:
        evaluate(path)
    assert caught.value.returncode == 2
    assert str(caught.value) == "trials[1].start_date: must be a date YYYY-MM-DD"


def test_a_missing_file_is_a_command_error_with_status_2(tmp_path):
    path = tmp_path / "absent.json"
    with pytest.raises(CommandError) as caught:
        evaluate(path)
    assert caught.value.returncode == 2
    assert str(caught.value) == f"{path}: cannot read the case file (No such file or directory)"


def test_invalid_json_names_the_file(tmp_path):
    path = tmp_path / "case.json"
    path.write_text('{"patient": }')
    with pytest.raises(CommandError) as caught:
        evaluate(path)
    assert caught.value.returncode == 2
    assert str(caught.value) == f"{path}: not valid JSON: Expecting value (line 1, column 13)"


def run_cli(*args):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "KETACARE_DEBUG"}}
    env["KETACARE_SECRET_KEY"] = "x"
    return subprocess.run(
        [sys.executable, "-m", "ketacare.cli", "candidacy", "evaluate", *map(str, args)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_subprocess_prints_json_and_exits_0():
    completed = run_cli(CAUTIONS, "--json")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["routes"]["esketamine_intranasal"]["status"] == "eligible_with_cautions"
    assert result["trd"]["adequate_failures"] == 3


def test_cli_subprocess_names_the_field_and_exits_2(tmp_path):
    data = json.loads(CAUTIONS.read_text())
    data["patient"]["weight_kg"] = 301
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data))
    completed = run_cli(path, "--json")
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "patient.weight_kg: must be between 30 and 300 kg, not 301" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_cli_subprocess_missing_file_exits_2(tmp_path):
    completed = run_cli(tmp_path / "absent.json")
    assert completed.returncode == 2
    assert "absent.json: cannot read the case file" in completed.stderr
    assert "Traceback" not in completed.stderr
