"""The `ketacare` command: Django's management commands plus a few friendly names.

    ketacare migrate          create or update the database (and the cache table)
    ketacare seed-demo        create the demo clinic when the database is empty
    ketacare serve [--port]   serve the app with gunicorn
    ketacare audit verify     check the audit trail's hash chain
"""

import os
import sys

ALIASES = {"seed-demo": "seed_demo"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ALIASES:
        args[0] = ALIASES[args[0]]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ketacare", *args])


if __name__ == "__main__":
    main()
