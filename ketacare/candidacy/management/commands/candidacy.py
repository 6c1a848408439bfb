import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ketacare.candidacy.domain.case import CaseError
from ketacare.candidacy.domain.evaluate import evaluate_case
from ketacare.candidacy.domain.parse import case_from_json
from ketacare.candidacy.domain.report import result_as_dict, result_as_text


class Command(BaseCommand):
    help = (
        "Candidacy tools. `candidacy evaluate FILE.json [--json]` checks treatment resistance and "
        "contraindications for each route (docs/candidacy.md has the case format)."
    )
    # Pure evaluation of a file: no database, so no system checks to run first.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        evaluate = sub.add_parser("evaluate", help="Evaluate a case file; exit 2 on bad input")
        evaluate.add_argument("file", help="case as JSON (docs/candidacy.md)")
        evaluate.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        file = options["file"]
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: cannot read the case file ({_reason(exc)})", returncode=2) from None
        try:
            case = case_from_json(text, today=dt.date.today())
        except CaseError as exc:
            raise CommandError(f"{file}: {exc}" if not exc.path else str(exc), returncode=2) from None
        result = evaluate_case(case)
        if options["json"]:
            self.stdout.write(json.dumps(result_as_dict(result), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(result_as_text(result), ending="")


def _reason(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
