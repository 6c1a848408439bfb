"""`ketacare billing <subcommand>`:

- `export-837p --output FILE [--from D --to D] [--organisation SLUG] [--as-user NAME]` writes the X12 837P file
  of the organisation's claims that are ready to send and whose services fall in the dates
  (billing/actions/claims.py do_export_837p: the claims become "sent", the file is kept and the export audited);
- `payer-claim-number CLAIM --number N --as-user NAME`, `correct CLAIM [--payer-claim-number N] --as-user NAME`
  and `void CLAIM [--payer-claim-number N] --as-user NAME` record the payer's claim number, build a replacement
  or a void claim; `withdraw CLAIM --reason R --as-user NAME` withdraws a claim the payer never received: the
  same actions as the claim page and the API, by the user named.

Bad input exits 2 with a message naming the option; nothing changes then.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand
from django.db import transaction
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import user_may
from ketacare.accounts.selectors import staff_of_organisation
from ketacare.billing.actions.claims import (
    do_correct_claim,
    do_export_837p,
    do_record_payer_claim_number,
    do_void_claim,
    do_withdraw_claim,
)
from ketacare.billing.selectors.claims import claims_for
from ketacare.clinics.models import Organisation
from ketacare.lib.commands import fail

OPTION_FOR_FIELD = {"date_from": "--from", "date_to": "--to", "claims": "--from/--to", "billing_settings": "settings"}
# The option that gives each field an action names, per subcommand (`claim` is the CLAIM argument; an action's
# other fields, such as `charges`, the claim's charges, are named as such).
FIELD_OPTIONS = {
    "payer-claim-number": {"payer_claim_number": "--number"},
    "correct": {"payer_claim_number": "--payer-claim-number"},
    "void": {"payer_claim_number": "--payer-claim-number"},
    "withdraw": {"reason": "--reason"},
}
CORRECTIONS = {
    "correct": (do_correct_claim, "replacement claim"),
    "void": (do_void_claim, "void claim"),
}


class Command(BaseCommand):
    help = (
        "Billing tools: `billing export-837p` writes the X12 837P file of the claims ready to send; "
        "`billing payer-claim-number`, `billing correct` and `billing void` record the payer's claim number of a "
        "claim, build its replacement or its void claim; `billing withdraw` withdraws a claim the payer never received."
    )

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
        claim_help = "The claim's number, as on its page (e.g. C000012)"
        as_user_help = "Username of the staff member who does it (billing or clinic admin)"
        number = sub.add_parser("payer-claim-number", help="Record the payer's claim control number of a claim")
        number.add_argument("claim", metavar="CLAIM", help=claim_help)
        number.add_argument("--number", required=True, help="The payer's claim control number (empty clears it)")
        number.add_argument("--as-user", required=True, help=as_user_help)
        for name, helptext in (
            ("correct", "Build a replacement claim (837P frequency 7) from the claim's charges as they are now"),
            ("void", "Build a void claim (837P frequency 8) cancelling the claim at the payer"),
        ):
            correction = sub.add_parser(name, help=helptext)
            correction.add_argument("claim", metavar="CLAIM", help=claim_help)
            correction.add_argument(
                "--payer-claim-number", default="", help="The payer's claim control number, if not recorded yet"
            )
            correction.add_argument("--as-user", required=True, help=as_user_help)
        withdraw = sub.add_parser("withdraw", help="Withdraw a draft or ready claim the payer never received")
        withdraw.add_argument("claim", metavar="CLAIM", help=claim_help)
        withdraw.add_argument("--reason", required=True, help="Why it is withdrawn (kept in its status history)")
        withdraw.add_argument("--as-user", required=True, help=as_user_help)

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "export-837p":
            return self._export_837p(options)
        actor = (
            get_user_model()
            .objects.select_related("organisation")
            .filter(username=options["as_user"], is_active=True)
            .first()
        )
        if actor is None:
            fail(f"--as-user: no active user {options['as_user']!r}.")
        try:
            claim_id = self._claim_id(actor, options["claim"])
            if subcommand == "payer-claim-number":
                claim = do_record_payer_claim_number(actor, claim_id, payer_claim_number=options["number"])
                saved = f"saved ({claim.payer_claim_number})" if claim.payer_claim_number else "cleared"
                self.stdout.write(f"{claim.number}: the payer's claim number {saved}")
                return
            if subcommand == "withdraw":
                claim = do_withdraw_claim(actor, claim_id, reason=options["reason"])
                corrected = claim.replaces
                again = f"; {corrected.number} is {corrected.get_status_display().lower()} again" if corrected else ""
                self.stdout.write(f"{claim.number} withdrawn{again}")
                return
            action, kind = CORRECTIONS[subcommand]
            correction = action(actor, claim_id, payer_claim_number=options["payer_claim_number"])
        except PermissionDenied:
            fail(f"--as-user: {actor.username} may not manage claims.")
        except Http404:
            fail(f"CLAIM: no claim {options['claim']!r} in {actor.organisation.name}.")
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            option = {"claim": "CLAIM", **FIELD_OPTIONS[subcommand]}.get(field, field)
            fail(f"{option}: {' '.join(messages)}")
        original = correction.replaces
        self.stdout.write(
            f"{kind} {correction.number} built (a draft); {original.number} is {original.get_status_display().lower()}"
        )

    def _claim_id(self, actor, number: str) -> int:
        """The claim the user's clinic numbered so (its page shows the number); Http404 when there is none."""
        claim_id = claims_for(actor).filter(number=number.strip().upper()).values_list("pk", flat=True).first()
        if claim_id is None:
            raise Http404("No such claim")
        return claim_id

    def _export_837p(self, options):
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
