"""`ketacare schedule solve|check`: the course-scheduling core on exchange-format files.

No database: the command reads an instance (../shared/scheduling-instance.md, docs/scheduling.md)
and runs the pure domain in scheduling/domain/.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ketacare.lib.commands import fail
from ketacare.scheduling.domain.check import check
from ketacare.scheduling.domain.instance import Instance, InstanceError, parse_instance
from ketacare.scheduling.domain.solver import solve

MAX_TIME_LIMIT_SECONDS = 3600.0


def _read_json(file: str, what: str) -> object:
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        fail(f"{file}: cannot read the {what} file ({reason})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{file}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")


def _instance(file: str) -> Instance:
    data = _read_json(file, "instance")
    try:
        return parse_instance(data)
    except InstanceError as exc:
        fail(f"{file}: {exc}")


class Command(BaseCommand):
    help = (
        "Course scheduling on instance files (docs/scheduling.md). `schedule solve INSTANCE.json --json "
        "[--time-limit SECONDS] [--check]` starts as many courses as fit; `schedule check INSTANCE.json "
        "RESULT.json` lists the rules a result breaks."
    )
    # Pure computation on files: no database, so no system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        solve_parser = sub.add_parser("solve", help="Schedule the requests of an instance; exit 2 on bad input")
        solve_parser.add_argument("instance", help="instance as JSON (exchange format)")
        solve_parser.add_argument("--json", action="store_true", help="print the result as JSON")
        solve_parser.add_argument(
            "--time-limit",
            type=float,
            default=10.0,
            metavar="SECONDS",
            help="wall-clock limit for the solver (default 10)",
        )
        solve_parser.add_argument(
            "--check", action="store_true", help="also check the result against every rule; exit 1 if one is broken"
        )
        check_parser = sub.add_parser("check", help="List the rules a result breaks; exit 1 if any")
        check_parser.add_argument("instance", help="instance as JSON")
        check_parser.add_argument("result", help="result as JSON")

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "check":
            self._check(options["instance"], options["result"])
            return
        limit = options["time_limit"]
        if not 0 < limit <= MAX_TIME_LIMIT_SECONDS:  # also refuses nan
            fail(f"--time-limit: must be more than 0 and at most {MAX_TIME_LIMIT_SECONDS:g} seconds, not {limit:g}")
        instance = _instance(options["instance"])
        result = solve(instance, time_limit_seconds=limit)
        data = result.to_json()
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(
                f"{len(result.scheduled)} of {len(instance.requests)} requests scheduled ({result.method})"
            )
            for item in result.scheduled:
                starts = ", ".join(f"{s.start:%Y-%m-%d %H:%M} {s.chair}" for s in item.sessions)
                self.stdout.write(f"  {item.id} at {item.location}: {starts}")
            for request_id, reason in result.unscheduled:
                self.stdout.write(f"  {request_id} not scheduled: {reason}")
        if options["check"]:
            self._report(check(instance, data))

    def _check(self, instance_file: str, result_file: str) -> None:
        instance = _instance(instance_file)
        problems = check(instance, _read_json(result_file, "result"))
        if not problems:
            self.stdout.write(f"valid: every rule holds for {len(instance.requests)} requests")
        self._report(problems)

    def _report(self, problems: list[str]) -> None:
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{len(problems)} broken rule(s)", returncode=1)
