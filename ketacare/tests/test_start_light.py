"""Start light (issue 19, item 5): a worker serving a plain page imports no numerical or PDF library, the
pure commands run without django.setup(), gunicorn forks its workers from a preloaded app."""

import os
import subprocess
import sys
from unittest import mock

from django.core.management import call_command, get_commands

from ketacare import cli

HEAVY_LIBRARIES = ("numpy", "scipy", "ortools", "reportlab")


def run_python(code: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "ketacare.settings_test"}
    return subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120)


def test_a_worker_serving_a_plain_page_does_not_import_the_heavy_libraries():
    run = run_python(
        f"""
import sys
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
import ketacare.urls, ketacare.api
assert Client().get("/accounts/login/").status_code == 200
print(",".join(name for name in {HEAVY_LIBRARIES!r} if name in sys.modules))
"""
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == ""


def test_the_pure_commands_run_without_setting_up_django():
    run = run_python(
        """
from django.apps import apps
from ketacare import cli
cli.main(["score", "phq9", "--answers", "0,1,2,3,0,1,2,3,0"])
print("apps loaded:", apps.ready)
"""
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["PHQ-9 total 12 (moderate)", "apps loaded: False"]


def test_each_standalone_command_is_the_one_django_finds_by_that_name():
    found = get_commands()
    for name, module in cli.STANDALONE_COMMAND_MODULES.items():
        assert name in cli.PURE_COMMANDS
        assert module == f"{found[name]}.management.commands.{name}"


def test_serve_preloads_the_app_before_forking_the_workers(settings):
    settings.DEMO_MODE = False
    with mock.patch("os.execv") as execv, mock.patch("ketacare.lib.management.commands.serve.call_command"):
        call_command("serve", "--port", "8123")
    argv = execv.call_args.args[1]
    assert argv[argv.index("-m") + 1] == "gunicorn"
    assert "--preload" in argv
