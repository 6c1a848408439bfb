"""`ketacare ledger verify`, `ketacare ledger checkpoint` and `ketacare ledger export`.

verify: walks every organisation's ledger chain (hashes, links, signatures; like `ketacare audit
verify`), against the latest ledger checkpoint (--checkpoint, or KETACARE_CHAIN_CHECKPOINT_PATH),
and checks that each stock item's balance equals the sum of its entries and its last running
balance; every organisation with entries, stock items or a head in the checkpoint is checked (a
truncated ledger leaves the stock items and the checkpoint); exit 1 naming each organisation's
first problem. checkpoint: verifies, then appends the chains' signed heads (docs/security.md). export: a location's dispensing log or inventory as CSV or PDF; bad
arguments exit 2 with a message naming the option.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import user_may
from ketacare.accounts.selectors import staff_of_organisation
from ketacare.audit.checkpoint_command import add_checkpoint_arguments, chosen_checkpoint, write_heads
from ketacare.clinics.models import Location
from ketacare.ledger.models import LedgerEntry, Vial
from ketacare.ledger.report_files import FORMATS, report_csv, report_pdf
from ketacare.ledger.selectors.reports import (
    BUSINESS_TIMES,
    INVENTORY_TYPES,
    REPORT_KINDS,
    build_report,
    verify_organisation_chain,
)
from ketacare.lib.commands import fail
from ketacare.lib.ids import db_id_or_zero

OPTION_FOR_FIELD = {
    "location": "--location",
    "kind": "--kind",
    "inventory_type": "--inventory-type",
    "business_time": "--business-time",
    "date_to": "--to",
    "date_from": "--from",
}


def balance_problem(organisation_id: int) -> str | None:
    """The first stock item whose stored balance differs from the sum of its entries or from its
    last running balance."""
    # Summed here, exactly, in one pass: SQLite sums decimals as floating point.
    sums: dict[int, Decimal] = defaultdict(Decimal)
    last: dict[int, Decimal] = {}
    entries = (
        LedgerEntry.objects.filter(organisation_id=organisation_id)
        .order_by("sequence")
        .values_list("vial_id", "quantity_mg", "balance_after_mg")
    )
    for vial_id, quantity_mg, balance_after_mg in entries.iterator(chunk_size=5000):
        sums[vial_id] += quantity_mg
        last[vial_id] = balance_after_mg
    vials = (
        Vial.objects.filter(organisation_id=organisation_id)
        .order_by("pk")
        .values_list("pk", "identifier", "balance_mg")
    )
    for pk, identifier, balance_mg in vials.iterator(chunk_size=5000):
        if pk not in sums and balance_mg:
            return f"vial {identifier} (id {pk}) holds {balance_mg} mg but has no ledger entries"
        total = sums.get(pk, Decimal("0"))
        if total != balance_mg or last.get(pk, balance_mg) != balance_mg:
            return (
                f"vial {identifier} (id {pk}) holds {balance_mg} mg but its entries sum to "
                f"{total} mg (last running balance {last.get(pk)} mg)"
            )
    return None


class Command(BaseCommand):
    help = "Controlled-substance ledger tools: `ledger verify`, `ledger checkpoint`, `ledger export`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser(
            "verify", help="Walk each organisation's ledger chain and balances; exit 1 naming the problems"
        )
        checkpoint = sub.add_parser("checkpoint", help="Verify, then append the chains' signed heads to a file")
        add_checkpoint_arguments(verify, checkpoint)
        export = sub.add_parser("export", help="A location's dispensing log or inventory as CSV or PDF")
        export.add_argument("--location", required=True, help="Location id")
        export.add_argument("--kind", required=True, help="dispensing or inventory")
        export.add_argument("--format", required=True, dest="fmt", help="csv or pdf")
        export.add_argument("--output", required=True, help="File to write")
        export.add_argument("--from", dest="date_from", default="", help="First day (YYYY-MM-DD), dispensing only")
        export.add_argument("--to", dest="date_to", default="", help="Last day (YYYY-MM-DD), dispensing only")
        export.add_argument("--inventory-type", default="biennial", help="initial or biennial")
        export.add_argument("--business-time", default="close", help="opening or close (of business)")
        export.add_argument(
            "--as-user",
            default="",
            help="Username recorded as preparing the report "
            "(default: the organisation's first active user allowed to run ledger reports)",
        )

    def handle(self, *args, subcommand: str, **options):
        if subcommand in ("verify", "checkpoint"):
            return self._verify(subcommand, options)
        return self._export(options)

    def _verify(self, subcommand: str, options):
        checkpoint = chosen_checkpoint("ledger", subcommand, options)
        organisation_ids = (
            set(LedgerEntry.objects.values_list("organisation_id", flat=True).distinct().order_by())
            | set(Vial.objects.values_list("organisation_id", flat=True).distinct().order_by())
            | (set(checkpoint.heads) if checkpoint else set())
        )
        results, problems = [], []
        for organisation_id in sorted(organisation_ids):
            report = verify_organisation_chain(organisation_id, checkpoint)
            results.append((organisation_id, report))
            if not report.ok:
                problems.append(f"ledger chain of organisation {organisation_id} broken: {report.problem.message}")
            elif problem := balance_problem(organisation_id):
                problems.append(f"ledger balance of organisation {organisation_id} wrong: {problem}")
        checked = sum(report.checked for _, report in results)
        if problems:
            for problem in problems[1:]:
                self.stderr.write(problem)
            raise CommandError(problems[0], returncode=1)
        if subcommand == "checkpoint":
            target = write_heads("ledger", results, options)
            chains = f"{len(results)} chain" if len(results) == 1 else f"{len(results)} chains"
            self.stdout.write(f"ledger checkpoint of {chains} ({checked} entries) appended to {target}")
            return
        against = f", against the checkpoint of {checkpoint.label}" if checkpoint else ""
        self.stdout.write(f"ledger chain intact: {checked} entries checked{against}")

    def _export(self, options):
        try:
            location_id = int(options["location"])
        except ValueError:
            fail("--location: give a location id (a number).")
        location = Location.objects.filter(pk=db_id_or_zero(location_id)).select_related("organisation").first()
        if location is None:
            fail(f"--location: no location with id {options['location']}.")
        if options["kind"] not in REPORT_KINDS:
            fail(f"--kind: choose one of {', '.join(REPORT_KINDS)}.")
        if options["fmt"] not in FORMATS:
            fail(f"--format: choose one of {', '.join(FORMATS)}.")
        if options["inventory_type"] not in INVENTORY_TYPES:
            fail(f"--inventory-type: choose one of {', '.join(INVENTORY_TYPES)}.")
        if options["business_time"] not in BUSINESS_TIMES:
            fail(f"--business-time: choose one of {', '.join(BUSINESS_TIMES)}.")
        dates = {}
        for key, option in (("date_from", "--from"), ("date_to", "--to")):
            try:
                dates[key] = dt.date.fromisoformat(options[key]) if options[key] else None
            except ValueError:
                fail(f"{option}: give a date as YYYY-MM-DD.")
        user = self._preparer(location, options["as_user"])
        try:
            report = build_report(
                user,
                location_id=location.pk,
                kind=options["kind"],
                inventory_type=options["inventory_type"],
                business_time=options["business_time"],
                audit_format=options["fmt"],
                **dates,
            )
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            fail(f"{OPTION_FOR_FIELD.get(field, field)}: {messages[0]}")
        except PermissionDenied as exc:
            fail(f"--as-user: {exc}")
        content = report_csv(report).encode() if options["fmt"] == "csv" else report_pdf(report)
        try:
            with open(options["output"], "wb") as handle:
                handle.write(content)
        except OSError as exc:
            fail(f"--output: cannot write {options['output']}: {exc.strerror}.")
        self.stdout.write(f"wrote {len(report.rows)} rows to {options['output']}")

    def _preparer(self, location: Location, username: str):
        if username:
            user = staff_of_organisation(location.organisation_id).filter(username=username).first()
            if user is None:
                fail(f"--as-user: no active user {username!r} in {location.organisation.name}.")
            if not user_may(user, Permission.LEDGER_REPORT):
                fail(f"--as-user: {username} may not run ledger reports.")
            return user
        reporters = staff_of_organisation(location.organisation_id, permission=Permission.LEDGER_REPORT)
        user = reporters.order_by("pk").first()
        if user is None:
            fail(f"--as-user: {location.organisation.name} has no active user who may run ledger reports.")
        return user
