"""The `ketacare` command: Django's management commands plus a few friendly names.

    ketacare migrate          create or update the database (and the cache table)
    ketacare seed-demo        create the demo clinic when the database is empty
    ketacare serve [--port]   serve the app with gunicorn
    ketacare audit verify     check the audit trail's hash chain

The pure commands (PURE_COMMANDS) run with no configuration (ketacare/settings_pure.py). Every
other command reads the settings first: a variable that is missing or cannot be read ends it with
one line naming the variable and exit status 2.
"""

import os
import sys

ALIASES = {"seed-demo": "seed_demo"}
# Commands that compute on their arguments and files only, in every subcommand: no database, no
# signing, no mail. Django's help and version list and describe commands without running them.
PURE_COMMANDS = frozenset({"score", "pk", "candidacy", "schedule", "help", "version", "--help", "-h", "--version"})
MISSING_SETTING_EXIT_STATUS = 2
# The pure commands whose modules import no model: they run without django.setup() (which imports every
# app, the URLs and the API: 0.6 s of the 0.9 s `ketacare score` took). Django finds these by name once
# the apps are loaded; tests/test_cli.py checks that both agree.
STANDALONE_COMMAND_MODULES = {
    "score": "ketacare.measures.management.commands.score",
    "pk": "ketacare.protocols.management.commands.pk",
    "candidacy": "ketacare.candidacy.management.commands.candidacy",
    "schedule": "ketacare.scheduling.management.commands.schedule",
}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    pure = not args or args[0] in PURE_COMMANDS
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings_pure" if pure else "ketacare.settings")
    if args and args[0] in STANDALONE_COMMAND_MODULES:
        run_standalone(args)
        return

    from django.conf import settings
    from django.core.management import execute_from_command_line

    from ketacare.lib.env import SettingError

    try:
        settings.INSTALLED_APPS  # noqa: B018 -- loads the settings, so a missing variable stops here
        execute_from_command_line(["ketacare", *args])
    except SettingError as exc:
        sys.stderr.write(f"ketacare: {exc} (see docs/configuration.md)\n")
        sys.exit(MISSING_SETTING_EXIT_STATUS)


def run_standalone(args: list[str]) -> None:
    """Run a pure command as `execute_from_command_line` would, minus django.setup()."""
    from importlib import import_module

    command = import_module(STANDALONE_COMMAND_MODULES[args[0]]).Command()
    command.run_from_argv(["ketacare", *args])


if __name__ == "__main__":
    main()
