"""`ketacare token create USERNAME --name NAME`: a personal API token for an integration or a script."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand

from ketacare.accounts.actions import do_create_api_token
from ketacare.accounts.models import User
from ketacare.lib.commands import fail


class Command(BaseCommand):
    help = (
        "Create a personal REST/FHIR API token for a staff member (the same action as /accounts/tokens/, audited). "
        "The token is printed once, on the last line; only its SHA-256 is kept."
    )

    def add_arguments(self, parser):
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        create = subcommands.add_parser("create", help="create a token and print it on the last line")
        create.add_argument("username", help="the staff member who owns the token")
        create.add_argument("--name", required=True, help="what the token is for, e.g. 'FHIR export script'")

    def handle(self, *args, **options):
        user = User.objects.select_related("organisation").filter(username=options["username"]).first()
        if user is None:
            fail(f"username: no user named {options['username']!r}")
        if not user.is_active:
            fail(f"username: {user.username} is deactivated; reactivate them first")
        try:
            token, secret = do_create_api_token(user, options["name"])
        except PermissionDenied:
            fail(f"username: {user.username} ({user.get_role_display()}) may not hold API tokens")
        except ValidationError as exc:
            fields = getattr(exc, "message_dict", {"__all__": exc.messages})
            fail(
                "; ".join(
                    f"{'' if field == '__all__' else field + ': '}{' '.join(messages)}"
                    for field, messages in fields.items()
                )
            )
        self.stdout.write(f"Token {token.name!r} for {user.username} (prefix {token.prefix}); it is shown only once:")
        self.stdout.write(secret)
