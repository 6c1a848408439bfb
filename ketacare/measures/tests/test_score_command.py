"""`ketacare score`: in-process through call_command, and as the real command line."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

REPO_ROOT = Path(__file__).resolve().parents[3]
PHQ9_ALL_ONES = "1,1,1,1,1,1,1,1,1"


def run_score(*args: str) -> str:
    out = StringIO()
    call_command("score", *args, stdout=out)
    return out.getvalue()


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "KETACARE_SECRET_KEY": "x"}
    return subprocess.run(
        [sys.executable, "-m", "ketacare.cli", "score", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_json_output_is_exactly_the_published_shape():
    assert json.loads(run_score("phq9", "--answers", PHQ9_ALL_ONES, "--json")) == {
        "instrument": "phq9",
        "total": 9,
        "severity": "mild",
        "subscales": {},
        "flags": ["suicidal_ideation"],
    }


def test_json_output_leaves_out_severity_for_instruments_without_bands():
    answers = ",".join(["2"] * 20)
    assert json.loads(run_score("pcl5", "--answers", answers, "--json")) == {
        "instrument": "pcl5",
        "total": 40,
        "subscales": {"cluster_b": 10, "cluster_c": 4, "cluster_d": 14, "cluster_e": 12},
        "flags": ["pcl5_provisional_ptsd", "pcl5_above_cutoff"],
    }


def test_the_cssrs_convention_uses_dashes_for_questions_not_asked():
    output = json.loads(run_score("cssrs_screener", "--answers", "1,0,-,-,-,1,1", "--json"))
    assert (output["total"], output["severity"], output["flags"]) == (3, "high", ["cssrs_high_risk"])


def test_the_human_line():
    assert run_score("phq9", "--answers", PHQ9_ALL_ONES) == "PHQ-9 total 9 (mild); flags suicidal_ideation\n"
    assert run_score("cadss", "--answers", ",".join(["1"] * 23)) == "CADSS total 23; subscales cadss6 6\n"


def test_list_names_every_instrument():
    listing = run_score("--list")
    codes = [line.split()[0] for line in listing.splitlines()]
    assert codes == ["phq9", "gad7", "qids_sr16", "pcl5", "madrs", "cssrs_screener", "cadss", "moaas", "bprs_positive"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("phq9", "--answers", "1,1,1,1,1,1,1,1,4"),
            "item 9 (thoughts that you would be better off dead or of hurting yourself): 4 is out of range 0–3",
        ),
        (("phq9", "--answers", "1,1"), "item 3 (trouble falling or staying asleep, or sleeping too much): missing"),
        (("gad7", "--answers", "0,0,0,0,0,0,0,0"), "answer 8 is extra: GAD-7 has 7 items, got 8 answers"),
        (("cssrs_screener", "--answers", "1,0,1,-,-,0,-"), "item 3 (thoughts of a method, past month): answered"),
        (("madrs", "--answers", "a"), "item 1 (apparent sadness): 'a' is not a whole number"),
        (("phq99", "--answers", "1"), "unknown instrument 'phq99'; valid codes: phq9, gad7, qids_sr16"),
        (("phq9",), "answers: --answers is required"),
        ((), "instrument: give an instrument code"),
    ],
)
def test_bad_input_is_a_command_error_with_status_2(args, message):
    with pytest.raises(CommandError) as info:
        run_score(*args)
    assert message in str(info.value)
    assert info.value.returncode == 2


def test_the_command_line_prints_json_and_exits_0():
    run = cli("phq9", "--answers", PHQ9_ALL_ONES, "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {
        "instrument": "phq9",
        "total": 9,
        "severity": "mild",
        "subscales": {},
        "flags": ["suicidal_ideation"],
    }


def test_the_command_line_refuses_bad_answers_on_stderr_with_status_2():
    run = cli("phq9", "--answers", "1,1,1,1,1,1,1,1,4", "--json")
    assert run.returncode == 2
    assert run.stdout == ""
    assert (
        "item 9 (thoughts that you would be better off dead or of hurting yourself): 4 is out of range 0–3"
        in run.stderr
    )
    assert "Traceback" not in run.stderr


def test_the_command_line_lists_valid_codes_for_an_unknown_instrument():
    run = cli("nope", "--answers", "1")
    assert run.returncode == 2
    assert "valid codes: phq9, gad7, qids_sr16, pcl5, madrs, cssrs_screener, cadss, moaas, bprs_positive" in run.stderr


def test_the_command_line_rejects_an_unknown_option_with_status_2():
    run = cli("phq9", "--scores", "1")
    assert run.returncode == 2
    assert "unrecognized arguments" in run.stderr
