"""`ketacare export --format fhir|csv OUTDIR [--organisation SLUG]`: the whole organisation, to leave with it.

Writes FHIR NDJSON (one file per resource type) or flat CSV tables, plus every document as a PDF and a
manifest, into OUTDIR (new or empty); see docs/leaving.md and ketacare/fhir/export/. Run by the operator at
the server, audited as one export entry naming the command. Bad arguments exit 2 with a message naming the
argument, and nothing is written.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ketacare.fhir.export.run import FORMATS, check_request, export_organisation

ARGUMENT_FOR_FIELD = {"organisation": "--organisation", "format": "--format", "outdir": "OUTDIR"}


class Command(BaseCommand):
    help = "Export the whole organisation (FHIR NDJSON or CSV, with its documents) into a new or empty directory."

    def add_arguments(self, parser):
        parser.add_argument("outdir", metavar="OUTDIR", help="Directory to write (new, or empty)")
        parser.add_argument("--format", required=True, dest="export_format", help=f"{' or '.join(FORMATS)}")
        parser.add_argument("--organisation", default="", help="Organisation slug (needed when there are several)")

    def handle(self, *args, outdir: str, export_format: str, organisation: str, **options):
        try:
            request = check_request(organisation, export_format, outdir)
        except ValidationError as exc:
            argument, messages = next(iter(exc.message_dict.items()))
            raise CommandError(f"{ARGUMENT_FOR_FIELD[argument]}: {' '.join(messages)}", returncode=2) from None
        manifest = export_organisation(request)
        for entry in manifest["files"]:
            self.stdout.write(f"{entry['file']}: {entry['count']}")
        documents = sum(manifest["documents"]["counts"].values())
        self.stdout.write(
            f"exported {request.organisation.slug} as {export_format} to {outdir} "
            f"({documents} documents) in {manifest['seconds']} s"
        )
