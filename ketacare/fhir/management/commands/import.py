"""`ketacare import fhir PATH --organisation SLUG [--source NAME] [--location ID_OR_NAME] [--dry-run]
[--as-user NAME]`.

PATH is a Bundle (JSON), an NDJSON file or a directory of NDJSON files (a Bulk Data export or
`ketacare export --format fhir`). Imports the patients and their records one transaction per patient and
prints the report: counts per type, then every resource left out or refused with the reason. `--dry-run`
prints the same report and writes nothing. Exit 2 with a message naming the option or the file when the
input cannot be read (nothing is imported then); exit 1 when some resources were refused.
"""

from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import user_may
from ketacare.accounts.selectors import staff_of_organisation
from ketacare.clinics.models import Location, Organisation
from ketacare.fhir.imports.actions import REFUSED, RESULTS, ImportReport, import_resources
from ketacare.fhir.imports.reader import ImportFileError, read_path
from ketacare.lib.commands import fail


def report_lines(report: ImportReport) -> list[str]:
    """The report as text: the command prints it, the page shows the same facts as a table."""
    heading = "Dry run: nothing was written. An import would give:" if report.dry_run else "Imported:"
    lines = [heading, f"{'type':<24}" + "".join(f"{result:>11}" for result in RESULTS)]
    for name, counts in report.counts().items():
        lines.append(f"{name:<24}" + "".join(f"{counts[result]:>11}" for result in RESULTS))
    for outcome in report.not_imported:
        lines.append(f"{outcome.result}: {outcome.type}/{outcome.id}: {outcome.reason}")
    return lines


class Command(BaseCommand):
    help = "Import a clinic's records from FHIR R4: `import fhir PATH --organisation SLUG [--dry-run]`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="format", required=True)
        fhir = sub.add_parser("fhir", help="A Bundle, an NDJSON file or a directory of NDJSON files")
        fhir.add_argument("path", help="Bundle JSON file, NDJSON file, or directory of .ndjson files")
        fhir.add_argument("--organisation", required=True, help="Slug of the organisation to import into")
        fhir.add_argument(
            "--source",
            default="previous-system",
            help="A name for the system the data comes from (lower-case, digits, '-'); resource ids are kept "
            "under it, so import the same source under the same name",
        )
        fhir.add_argument("--location", default="", help="Home location (id or exact name) of new patients")
        fhir.add_argument("--dry-run", action="store_true", help="Report what would be imported; write nothing")
        fhir.add_argument(
            "--as-user", default="", help="Clinic admin recorded as importing (default: the first active one)"
        )

    def handle(self, *args, path: str, **options):
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            fail(f"--organisation: no organisation {options['organisation']!r}.")
        user = self._importer(organisation, options["as_user"])
        location = self._location(organisation, options["location"])
        try:
            incoming = read_path(Path(path))
        except ImportFileError as exc:
            fail(f"PATH: {exc} Nothing was imported.")
        try:
            report = import_resources(
                user,
                organisation,
                incoming,
                source_name=options["source"],
                home_location=location,
                dry_run=options["dry_run"],
            )
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            fail(f"--{field.replace('_', '-')}: {' '.join(messages)}")
        except PermissionDenied as exc:
            fail(f"--as-user: {exc}")
        for line in report_lines(report):
            self.stdout.write(line)
        if report.total(REFUSED):
            raise CommandError(f"{report.total(REFUSED)} resources refused (listed above).", returncode=1)

    def _importer(self, organisation: Organisation, username: str):
        users = staff_of_organisation(organisation.pk, permission=Permission.RECORDS_IMPORT).order_by("pk")
        user = users.filter(username=username).first() if username else users.first()
        if user is None and username:
            fail(f"--as-user: {username!r} is no active clinic admin of {organisation.name}.")
        if user is None or not user_may(user, Permission.RECORDS_IMPORT):
            fail(f"--as-user: {organisation.name} has no active clinic admin to record as importing.")
        return user

    def _location(self, organisation: Organisation, given: str) -> Location | None:
        if not given:
            return None
        locations = Location.objects.filter(organisation=organisation)
        found = locations.filter(pk=int(given)).first() if given.isdigit() else locations.filter(name=given).first()
        if found is None:
            fail(f"--location: {organisation.name} has no location {given!r}.")
        return found
