"""`ketacare fhir <subcommand>`: the commands of the FHIR parts. Each part keeps its subcommand in its own
module (`add_parser(subcommands)` adds the subcommand's parser, `handle(command, options)` runs it), listed in
SUBCOMMANDS."""

from importlib import import_module

from django.core.management.base import BaseCommand

SUBCOMMANDS = {
    "smart-app": "ketacare.fhir.smart.command",
    "backend-client": "ketacare.fhir.backend.command",
    "bulk-worker": "ketacare.fhir.bulk.command",
}


class Command(BaseCommand):
    help = "FHIR: " + ", ".join(sorted(SUBCOMMANDS)) + " (ketacare fhir <subcommand> --help)"

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        for name, module in SUBCOMMANDS.items():
            import_module(module).add_parser(subcommands, name)

    def handle(self, *args, **options):
        return import_module(SUBCOMMANDS[options["subcommand"]]).handle(self, options)
