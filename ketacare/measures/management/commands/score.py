import json

from django.core.management.base import BaseCommand

from ketacare.lib.commands import fail
from ketacare.measures.domain.instruments import MeasureError
from ketacare.measures.domain.library import INSTRUMENTS, get_instrument
from ketacare.measures.domain.scoring import parse_answers, result_as_dict, score


class Command(BaseCommand):
    help = (
        "Score a rating instrument: `score phq9 --answers 0,1,2,3,0,1,2,3,0 [--json]`. "
        "Answers are in item order; write - for an item that was not asked (C-SSRS Q3–Q5 when Q2 is "
        "no, Q6b when Q6 is no). `score --list` lists the instruments."
    )
    # Pure computation: no database, so no system or migration checks.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("instrument", nargs="?", help="instrument code, e.g. phq9 (see --list)")
        parser.add_argument("--answers", help="comma-separated item scores in item order, - for not asked")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument("--list", action="store_true", help="list the instruments and exit")

    def handle(self, *args, **options):
        instrument, answers = options["instrument"], options["answers"]
        if options["list"]:
            self._list()
            return
        if not instrument:
            fail(f"instrument: give an instrument code ({', '.join(INSTRUMENTS)}) or --list")
        if answers is None:
            fail("answers: --answers is required, e.g. --answers 0,1,2")
        try:
            result = score(instrument, parse_answers(get_instrument(instrument), answers))
        except MeasureError as exc:
            fail(str(exc))
        if options["json"]:
            self.stdout.write(json.dumps(result_as_dict(result)))
            return
        parts = [f"{get_instrument(result.instrument).name} total {result.total}"]
        if result.severity:
            parts[0] += f" ({result.severity})"
        if result.subscales:
            parts.append("subscales " + ", ".join(f"{code} {value}" for code, value in result.subscales.items()))
        if result.flags:
            parts.append("flags " + ", ".join(result.flags))
        self.stdout.write("; ".join(parts))

    def _list(self):
        for instrument in INSTRUMENTS.values():
            count = len(instrument.items)
            items = f"{count} item" + ("s" if count > 1 else "")
            total = f"{instrument.total_min}–{instrument.total_max}"
            self.stdout.write(
                f"{instrument.code:<15} {instrument.name:<16} {items:>8}  total {total:<5}  "
                f"{instrument.rater.value:<9}  {instrument.title}"
            )
