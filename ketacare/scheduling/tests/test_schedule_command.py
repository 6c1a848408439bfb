"""`ketacare schedule solve|check`: in process with call_command and as the installed CLI runs it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ketacare.scheduling.domain.check import check
from ketacare.scheduling.domain.instance import parse_instance

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = REPO_ROOT / "docs" / "examples" / "scheduling"
WAITLIST = EXAMPLES / "waitlist.json"


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KETACARE_SECRET_KEY": "x"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "ketacare.cli", "schedule", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_solve_prints_a_result_that_keeps_every_rule(capsys):
    call_command("schedule", "solve", str(WAITLIST), "--json", "--time-limit", "5")
    result = json.loads(capsys.readouterr().out)
    instance = parse_instance(json.loads(WAITLIST.read_text()))
    assert check(instance, result) == []
    assert len(result["scheduled"]) == 5
    assert result["unscheduled"] == [
        {
            "id": "patient-004",
            "reason": "no 6-session series at least 1 day apart within 10 days fits patient availability at north",
        }
    ]


def test_solve_with_check_says_nothing_more_on_a_valid_result(capsys):
    call_command("schedule", "solve", str(WAITLIST), "--check", "--time-limit", "5")
    out = capsys.readouterr()
    assert out.out.startswith("5 of 6 requests scheduled")
    assert "patient-004 not scheduled: no 6-session series" in out.out
    assert out.err == ""


def test_check_accepts_a_valid_result_and_lists_broken_rules(tmp_path, capsys):
    call_command("schedule", "solve", str(WAITLIST), "--json", "--time-limit", "5")
    result = json.loads(capsys.readouterr().out)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(result))
    call_command("schedule", "check", str(WAITLIST), str(good))
    assert capsys.readouterr().out.startswith("valid: every rule holds for 6 requests")

    first = result["scheduled"][0]
    first["sessions"][1]["start"] = first["sessions"][0]["start"]  # two sessions on one date and chair clash
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(result))
    with pytest.raises(CommandError) as info:
        call_command("schedule", "check", str(WAITLIST), str(bad))
    assert info.value.returncode == 1
    assert "rule 4: more than one session on a date" in capsys.readouterr().err


def test_the_cli_prints_json_and_exits_0():
    done = _run_cli("solve", str(EXAMPLES / "format-example.json"), "--json", "--time-limit", "2")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["scheduled"] == []
    assert result["unscheduled"][0]["id"] == "patient-001"


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "cannot read the instance file (No such file or directory)"),
        ('{"days": ', "not valid JSON (line 1"),
        ("[]", "(top level): must be an object"),
        (json.dumps({**json.loads(WAITLIST.read_text()), "slot_minutes": 0}), "slot_minutes: must be from 1 to 1440"),
        (
            json.dumps(
                {
                    **json.loads(WAITLIST.read_text()),
                    "requests": [{"id": "x", "sessions": "six", "session_minutes": 60, "locations": ["north"]}],
                }
            ),
            "requests[0].sessions: must be a whole number",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_field_on_stderr(tmp_path, content, message):
    path = tmp_path / "instance.json"
    if content is not None:
        path.write_text(content)
    done = _run_cli("solve", str(path), "--json")
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("limit", ["0", "-1", "nan", "7200"])
def test_an_impossible_time_limit_is_refused(limit):
    with pytest.raises(CommandError) as info:
        call_command("schedule", "solve", str(WAITLIST), "--time-limit", limit)
    assert info.value.returncode == 2
    assert str(info.value).startswith("--time-limit:")


def test_check_with_an_unreadable_result_exits_2(tmp_path):
    path = tmp_path / "result.json"
    path.write_text("not json")
    with pytest.raises(CommandError) as info:
        call_command("schedule", "check", str(WAITLIST), str(path))
    assert info.value.returncode == 2
    assert "not valid JSON" in str(info.value)
