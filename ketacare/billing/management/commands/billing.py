"""`ketacare billing export-837p --output FILE [--from D --to D] [--organisation SLUG] [--as-user NAME]`.

Writes the X12 837P file of the organisation's claims that are ready to send and whose services fall in
the dates (billing/actions/claims.py do_export_837p: the claims become "sent", the file is kept and the
export audited). Bad input exits 2 with a message naming the option; nothing changes then.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand
from django.db import transaction

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import user_may
from ketacare.accounts.selectors import staff_of_organisation
from ketacare.billing.actions.claims import do_export_837p
from ketacare.clinics.models import Organisation
from ketacare.lib.commands import fail

OPTION_FOR_FIELD = {"date_from": "--from", "date_to": "--to", "claims": "--from/--to", "billing_settings": "settings"}


class Command(BaseCommand):
    help = "Billing tools: `billing export-837p` writes the X12 837P file of the claims ready to send."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        export = sub.add_parser("export-837p", help="The 837P file of the ready claims (they become sent)")
        export.add_argument("--output", required=True, help="File to write")
        export.add_argument("--from", dest="date_from", default="", help="First day of service (YYYY-MM-DD)")
        export.add_argument("--to", dest="date_to", default="", help="Last day of service (YYYY-MM-DD)")
        export.add_argument("--organisation", default="", help="Organisation slug (needed when there are several)")
        export.add_argument(
            "--as-user",
            default="",
            help="Username recorded as exporting (default: the organisation's first active user who manages claims)",
        )

    def handle(self, *args, subcommand: str, **options):
        organisation = self._organisation(options["organisation"])
        user = self._exporter(organisation, options["as_user"])
        output = options["output"]
        # One transaction: a file that cannot be written leaves the claims as they were.
        with transaction.atomic():
            try:
                export = do_export_837p(user, date_from=options["date_from"], date_to=options["date_to"])
            except ValidationError as exc:
                field, messages = next(iter(exc.message_dict.items()))
                fail(f"{OPTION_FOR_FIELD.get(field, field)}: {' '.join(messages)}")
            except PermissionDenied as exc:
                fail(f"--as-user: {exc}")
            try:
                with open(output, "w", encoding="ascii", newline="") as handle:
                    handle.write(export.content)
            except (OSError, UnicodeEncodeError) as exc:
                fail(f"--output: cannot write {output}: {getattr(exc, 'strerror', None) or exc}.")
        count = export.claims.count()
        self.stdout.write(
            f"wrote 837P file {export.control_number:09d} with {count} claim{'s' if count != 1 else ''} to {output}"
        )

    def _organisation(self, slug: str) -> Organisation:
        if slug:
            organisation = Organisation.objects.filter(slug=slug).first()
            if organisation is None:
                fail(f"--organisation: no organisation {slug!r}.")
            return organisation
        organisations = list(Organisation.objects.order_by("pk")[:2])
        if len(organisations) != 1:
            fail("--organisation: give the organisation's slug." if organisations else "--organisation: none exists.")
        return organisations[0]

    def _exporter(self, organisation: Organisation, username: str):
        if username:
            user = staff_of_organisation(organisation.pk).filter(username=username).first()
            if user is None:
                fail(f"--as-user: no active user {username!r} in {organisation.name}.")
            if not user_may(user, Permission.CLAIMS_MANAGE):
                fail(f"--as-user: {username} may not manage claims.")
            return user
        user = staff_of_organisation(organisation.pk, permission=Permission.CLAIMS_MANAGE).order_by("pk").first()
        if user is None:
            fail(f"--as-user: {organisation.name} has no active user who manages claims.")
        return user
