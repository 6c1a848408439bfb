"""The installed `ketacare` command on a fresh install: no KETACARE_* variable, no settings module.

The pure commands run and print their results; every other command says in one line which
variable it lacks and exits with status 2, without a traceback.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "docs" / "examples"
CONSOLE_SCRIPT = Path(sys.executable).with_name("ketacare")
PHQ9_ANSWERS = "0,1,2,3,0,1,2,3,0"


def _fresh_environment(**variables: str) -> dict[str, str]:
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("KETACARE_") and name not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    return {**kept, **variables}


def ketacare(*args: str, cwd: Path, **variables: str) -> subprocess.CompletedProcess:
    command = [str(CONSOLE_SCRIPT)] if CONSOLE_SCRIPT.exists() else [sys.executable, "-m", "ketacare.cli"]
    return subprocess.run(
        [*command, *args], cwd=cwd, env=_fresh_environment(**variables), capture_output=True, text=True, timeout=120
    )


def test_score_runs_with_no_configuration(tmp_path):
    run = ketacare("score", "phq9", "--answers", PHQ9_ANSWERS, cwd=tmp_path)
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.strip() == "PHQ-9 total 12 (moderate)"

    run = ketacare("score", "phq9", "--answers", PHQ9_ANSWERS, "--json", cwd=tmp_path)
    assert run.returncode == 0
    assert json.loads(run.stdout)["total"] == 12


def test_pk_simulate_runs_with_no_configuration(tmp_path):
    run = ketacare(
        "pk",
        "simulate",
        "--model",
        "domino",
        "--weight-kg",
        "70",
        "--dose-mg-per-kg",
        "0.5",
        "--infusion-min",
        "40",
        "--below",
        "100",
        "--json",
        cwd=tmp_path,
    )
    assert (run.returncode, run.stderr) == (0, "")
    result = json.loads(run.stdout)
    assert (result["model"], result["dose_mg"], result["time_of_peak_min"]) == ("domino", 35.0, 40.0)
    assert result["time_below_min"] > result["time_of_peak_min"]


def test_candidacy_evaluate_runs_with_no_configuration(tmp_path):
    run = ketacare("candidacy", "evaluate", str(EXAMPLES / "candidacy-racemic-excluded.json"), cwd=tmp_path)
    assert (run.returncode, run.stderr) == (0, "")
    assert "IV racemic ketamine (off-label): NOT ELIGIBLE" in run.stdout
    assert "Intranasal esketamine (Spravato, US label): ELIGIBLE WITH CAUTIONS" in run.stdout


def test_schedule_solve_and_check_run_with_no_configuration(tmp_path):
    instance = EXAMPLES / "scheduling" / "waitlist.json"
    run = ketacare("schedule", "solve", str(instance), "--json", "--time-limit", "5", cwd=tmp_path)
    assert (run.returncode, run.stderr) == (0, "")
    result = tmp_path / "result.json"
    result.write_text(run.stdout)
    assert len(json.loads(run.stdout)["scheduled"]) == 5

    run = ketacare("schedule", "check", str(instance), str(result), cwd=tmp_path)
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.startswith("valid: every rule holds for 6 requests")


def test_help_lists_every_command_with_no_configuration(tmp_path):
    run = ketacare("help", cwd=tmp_path)
    assert run.returncode == 0
    assert "settings are not properly configured" not in run.stderr + run.stdout
    for command in ("score", "migrate", "seed_demo", "serve", "flush"):
        assert f"\n    {command}\n" in run.stdout


def test_a_pure_command_writes_nothing_not_even_the_development_key(tmp_path):
    var_dir = tmp_path / "var"
    run = ketacare(
        "score",
        "gad7",
        "--answers",
        "0,0,0,0,0,0,0",
        cwd=tmp_path,
        KETACARE_DEBUG="true",
        KETACARE_VAR_DIR=str(var_dir),
    )
    assert run.returncode == 0
    assert not var_dir.exists()


def _one_line_naming(run: subprocess.CompletedProcess, variable: str) -> None:
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1
    assert run.stderr.startswith(f"ketacare: {variable} ")


@pytest.mark.parametrize("command", [["migrate"], ["seed-demo"], ["serve"], ["audit", "verify"], ["shell"]])
def test_a_command_that_touches_data_names_the_missing_secret_key(tmp_path, command):
    run = ketacare(*command, cwd=tmp_path)
    _one_line_naming(run, "KETACARE_SECRET_KEY")
    assert "is required" in run.stderr


def test_pure_commands_read_no_configuration_so_a_bad_variable_does_not_stop_them(tmp_path):
    # They start without Django's settings (issue 19, "start light"): nothing they compute depends on them.
    run = ketacare("score", "phq9", "--answers", PHQ9_ANSWERS, cwd=tmp_path, KETACARE_DEBUG="maybe")
    assert run.returncode == 0, run.stderr
    assert run.stdout == "PHQ-9 total 12 (moderate)\n"
    assert run.stderr == ""


def test_an_unsupported_database_url_is_named(tmp_path):
    run = ketacare("migrate", cwd=tmp_path, KETACARE_SECRET_KEY="x", DATABASE_URL="mysql://db/ketacare")
    _one_line_naming(run, "DATABASE_URL")
