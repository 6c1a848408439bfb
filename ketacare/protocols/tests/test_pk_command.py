"""`ketacare pk simulate`: in process with call_command and as the installed CLI would run it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

REPO_ROOT = Path(__file__).resolve().parents[3]
STANDARD = ["--weight-kg", "70", "--dose-mg-per-kg", "0.5", "--infusion-min", "40"]


def simulate(capsys, *args: str) -> dict:
    call_command("pk", "simulate", *args, "--json")
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("model, peak", [("domino", 240.331), ("clements", 177.313), ("kamp", 253.052)])
def test_standard_infusion_peaks_at_the_end_of_infusion(capsys, model, peak):
    result = simulate(capsys, "--model", model, *STANDARD)
    assert result["model"] == model
    assert result["dose_mg"] == 35.0
    assert result["peak_ng_per_ml"] == pytest.approx(peak, abs=1e-3)
    assert result["time_of_peak_min"] == 40.0
    assert "time_below_min" not in result


def test_below_reports_when_the_curve_falls_under_the_threshold(capsys):
    result = simulate(capsys, "--model", "domino", *STANDARD, "--below", "100")
    assert result["below_ng_per_ml"] == 100.0
    assert result["time_below_min"] == pytest.approx(43.650, abs=1e-3)


def test_below_a_level_never_reached_is_null(capsys):
    result = simulate(capsys, "--model", "clements", *STANDARD, "--below", "1200")
    assert result["time_below_min"] is None


def test_the_curve_is_every_five_minutes_up_to_the_horizon(capsys):
    result = simulate(capsys, "--model", "kamp", *STANDARD)
    assert [point[0] for point in result["curve"]] == [float(t) for t in range(0, 241, 5)]
    assert result["curve"][0] == [0.0, 0.0]
    assert result["curve"][8] == [40.0, pytest.approx(253.052, abs=1e-3)]
    assert result["horizon_min"] == 240.0


def test_a_horizon_off_the_five_minute_grid_ends_the_curve_at_the_horizon(capsys):
    result = simulate(capsys, "--model", "kamp", *STANDARD, "--horizon-min", "12")
    assert [point[0] for point in result["curve"]] == [0.0, 5.0, 10.0, 12.0]


def test_an_im_dose_is_absorbed_with_the_stated_bioavailability(capsys):
    result = simulate(capsys, "--model", "clements", "--weight-kg", "70", "--dose-mg-per-kg", "0.5", "--route", "im")
    assert result["route"] == "im"
    assert result["bioavailability"] == 0.93
    assert "ASSUMED" in result["absorption_source"]
    assert result["time_of_peak_min"] == pytest.approx(9.9, abs=0.1)
    assert result["infusion_min"] is None


def test_text_output_names_the_model_and_the_result(capsys):
    call_command("pk", "simulate", "--model", "domino", *STANDARD, "--below", "100")
    out = capsys.readouterr().out
    assert "Domino 1984" in out
    assert "peak: 240.3 ng/mL at 40.0 min" in out
    assert "below 100 ng/mL: at 43.6 min" in out


@pytest.mark.parametrize(
    "args, option",
    [
        (["--model", "domino", "--weight-kg", "0", "--dose-mg-per-kg", "0.5", "--infusion-min", "40"], "--weight-kg"),
        (["--model", "domino", "--weight-kg", "301", "--dose-mg-per-kg", "0.5", "--infusion-min", "40"], "--weight-kg"),
        (["--model", "domino", "--weight-kg", "nan", "--dose-mg-per-kg", "0.5", "--infusion-min", "40"], "--weight-kg"),
        (
            ["--model", "domino", "--weight-kg", "70", "--dose-mg-per-kg", "-0.5", "--infusion-min", "40"],
            "--dose-mg-per-kg",
        ),
        (
            ["--model", "domino", "--weight-kg", "70", "--dose-mg-per-kg", "0.5", "--infusion-min", "0"],
            "--infusion-min",
        ),
        (
            ["--model", "domino", "--weight-kg", "70", "--dose-mg-per-kg", "0.5", "--infusion-min", "1441"],
            "--infusion-min",
        ),
        (["--model", "domino", "--weight-kg", "70", "--dose-mg-per-kg", "0.5"], "--infusion-min"),
        (
            [
                "--model",
                "domino",
                "--weight-kg",
                "70",
                "--dose-mg-per-kg",
                "0.5",
                "--route",
                "im",
                "--infusion-min",
                "5",
            ],
            "--infusion-min",
        ),
        ([*["--model", "domino"], *STANDARD, "--below", "0"], "--below"),
        ([*["--model", "domino"], *STANDARD, "--horizon-min", "-5"], "--horizon-min"),
    ],
)
def test_impossible_input_fails_with_status_2_naming_the_option(args, option):
    with pytest.raises(CommandError) as info:
        call_command("pk", "simulate", *args)
    assert info.value.returncode == 2
    assert str(info.value).startswith(option)


def test_an_unknown_model_is_refused_by_name():
    with pytest.raises(CommandError, match="--model"):
        call_command("pk", "simulate", "--model", "propofol", *STANDARD)


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KETACARE_SECRET_KEY": "x"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "ketacare.cli", "pk", "simulate", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_cli_prints_json():
    done = _run_cli("--model", "clements", *STANDARD, "--below", "100", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["peak_ng_per_ml"] == pytest.approx(177.313, abs=1e-3)
    assert result["time_of_peak_min"] == 40.0
    assert result["time_below_min"] == pytest.approx(68.397, abs=1e-3)


@pytest.mark.parametrize(
    "args, option",
    [
        (["--model", "kamp", "--weight-kg", "-3", "--dose-mg-per-kg", "0.5", "--infusion-min", "40"], "--weight-kg"),
        (["--model", "kamp", "--weight-kg", "70", "--dose-mg-per-kg", "0.5", "--infusion-min", "-1"], "--infusion-min"),
        (["--model", "ketamine9", "--weight-kg", "70", "--dose-mg-per-kg", "0.5", "--infusion-min", "40"], "--model"),
    ],
)
def test_the_cli_exits_2_with_the_option_on_stderr_and_no_traceback(args, option):
    done = _run_cli(*args, "--json")
    assert done.returncode == 2
    assert option in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
