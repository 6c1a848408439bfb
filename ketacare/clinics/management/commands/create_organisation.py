"""`ketacare create_organisation`: a real clinic's first run (README, "Running it for a real clinic")."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError

from ketacare.clinics.actions import do_create_organisation

# The action's field -> the option that fed it, so a refusal names what the operator typed.
OPTIONS = {
    "name": "--name",
    "slug": "--slug",
    "time_zone": "--time-zone",
    "location_name": "--location-name",
    "admin_email": "--admin-email",
    "admin_first_name": "--admin-first-name",
    "admin_last_name": "--admin-last-name",
}


class Command(BaseCommand):
    help = (
        "Create a clinic: the organisation, its first location and its first clinic admin, and print a "
        "one-time link where that admin sets a password (and enrols two-factor). Everything else is "
        "done in the pages."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="the clinic's name, e.g. 'Harbor Ketamine Clinic'")
        parser.add_argument("--slug", required=True, help="its address in public pages (/c/SLUG/), e.g. harbor")
        parser.add_argument("--time-zone", required=True, help="the first location's IANA zone, e.g. America/Chicago")
        parser.add_argument("--location-name", required=True, help="the first location's name, e.g. 'Downtown'")
        parser.add_argument("--admin-email", required=True, help="the first clinic admin's email (their username)")
        parser.add_argument("--admin-first-name", default="")
        parser.add_argument("--admin-last-name", default="")

    def handle(self, *args, **options):
        try:
            clinic = do_create_organisation(
                name=options["name"],
                slug=options["slug"],
                time_zone=options["time_zone"],
                location_name=options["location_name"],
                admin_email=options["admin_email"],
                admin_first_name=options["admin_first_name"],
                admin_last_name=options["admin_last_name"],
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
            raise CommandError(
                "; ".join(
                    # A field no option feeds (the site's address for the link) is a setting.
                    f"{OPTIONS.get(field, 'settings')}: {' '.join(msgs)}"
                    for field, msgs in errors.items()
                )
                + " (nothing was created)",
                returncode=2,
            ) from None
        self.stdout.write(
            f"Created {clinic.organisation.name} (/c/{clinic.organisation.slug}/) with the location "
            f"{clinic.location.name} ({clinic.location.time_zone}) and the clinic admin {clinic.admin.email}.\n"
            f"Send this one-time link to {clinic.admin.email}; it sets their password and works once, until "
            f"it expires:\n{clinic.invitation_link}\n"
            "Then sign in and add the rest in the pages: locations, staff, opening hours, chairs."
        )
