import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.db import transaction

from ketacare.accounts.domain.roles import STAFF_ROLES, Role
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.actions import create_organisation_with_location
from ketacare.clinics.models import Organisation
from ketacare.lib.commands import fail


class Command(BaseCommand):
    help = (
        "Create a staff account with a password from KETACARE_NEW_USER_PASSWORD (or asked for), for "
        "scripts and break-glass access; staff are otherwise invited in the pages. With "
        "--create-organisation it also creates the organisation and its first location (a new clinic "
        "usually starts with `ketacare create_organisation`, which mails no password around)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="organisation slug")
        parser.add_argument("--role", required=True, choices=[r.value for r in Role if r in STAFF_ROLES])
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--create-organisation", metavar="NAME", help="create the organisation with this name")
        parser.add_argument("--location", metavar="NAME", help="first location's name (with --create-organisation)")
        parser.add_argument("--time-zone", default="America/New_York", help="first location's IANA time zone")

    def handle(self, *args, **options):
        password = os.environ.get("KETACARE_NEW_USER_PASSWORD") or getpass.getpass("Password: ")
        try:
            with transaction.atomic():
                organisation = self._organisation(options)
                user = get_user_model()(
                    username=options["username"],
                    email=options["email"],
                    role=options["role"],
                    first_name=options["first_name"],
                    last_name=options["last_name"],
                    organisation=organisation,
                )
                user.full_clean(exclude=["password"])
                validate_password(password, user)
                user.set_password(password)
                user.save()
                record_event(
                    None,
                    AuditAction.CREATE,
                    user,
                    organisation=organisation,
                    detail={"via": "ketacare add_user", "role": user.role},
                )
        except ValidationError as exc:
            fields = getattr(exc, "message_dict", {"password": exc.messages})
            fail("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in fields.items()))
        self.stdout.write(f"created {user.role} {user.username} in {organisation.name}")

    def _organisation(self, options) -> Organisation:
        slug = options["organisation"]
        if not options["create_organisation"]:
            organisation = Organisation.objects.filter(slug=slug).first()
            if organisation is None:
                fail(f"organisation: no organisation with slug {slug!r} (use --create-organisation NAME)")
            return organisation
        if not options["location"]:
            fail("location: --location is required with --create-organisation")
        organisation, _ = create_organisation_with_location(
            name=options["create_organisation"],
            slug=slug,
            time_zone=options["time_zone"],
            location_name=options["location"],
            via="ketacare add_user",
        )
        return organisation
