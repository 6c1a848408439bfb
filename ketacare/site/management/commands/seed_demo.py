"""`ketacare seed-demo`: the fictional demo clinic (ketacare/site/demo/), created once in an empty database."""

from django.core.management.base import BaseCommand
from django.db import transaction

from ketacare.clinics.models import Organisation
from ketacare.outbox.actions import drop_queued_mail
from ketacare.site.demo import build_demo_clinic
from ketacare.site.demo.organisation_and_staff import demo_logins


class Command(BaseCommand):
    help = "Create the fictional demo clinic when the database has no organisation yet; print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--logins", action="store_true", help="only print the demo logins")

    def handle(self, *args, logins: bool = False, **options):
        if logins:
            self._print_logins()
            return
        if Organisation.objects.exists():
            self.stdout.write("demo data already present")
            return
        # The addresses are fictional and the events history: the mail their actions queued in the
        # outbox (request confirmations, questionnaire links, alerts) must go nowhere.
        with transaction.atomic():
            summary = build_demo_clinic()
            drop_queued_mail("Demo data: never sent")
        self.stdout.write(f"created the demo clinic: {summary}")
        self._print_logins()

    def _print_logins(self) -> None:
        header = ("username", "role", "password", "where")
        rows = [header, *demo_logins()]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        self.stdout.write("\nDemo logins")
        for row in rows:
            self.stdout.write(
                "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
        self.stdout.write(
            "Prescribers and the clinic admin must set up two-factor sign-in unless KETACARE_DEMO_MODE=true."
        )
