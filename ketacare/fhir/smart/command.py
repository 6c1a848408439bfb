"""`ketacare fhir smart-app add|list|revoke-tokens`: a clinic's SMART apps from the command line, through the
same actions as /clinic/smart-apps/ (audited; the clinic admin named by --by acts)."""

from django.core.exceptions import PermissionDenied, ValidationError

from ketacare.fhir.command_input import acting_user
from ketacare.fhir.smart import actions, selectors
from ketacare.lib.commands import fail, validation_message


def add_parser(subcommands, name: str) -> None:
    parser = subcommands.add_parser(name, help="register SMART apps, list them, revoke their tokens")
    actions_parser = parser.add_subparsers(dest="smart_app_action", required=True)
    add = actions_parser.add_parser("add", help="register an app; prints its client id (and secret, last line)")
    add.add_argument("--by", required=True, help="the clinic admin registering it (their clinic owns the app)")
    add.add_argument("--name", required=True, help="the app's name, as users know it")
    add.add_argument("--redirect-uri", action="append", required=True, help="a redirect URI (repeat for more)")
    add.add_argument(
        "--scopes", required=True, help="the scopes it may ask for, e.g. 'launch/patient patient/*.rs offline_access'"
    )
    add.add_argument("--confidential", action="store_true", help="a server-side app with a client secret")
    listing = actions_parser.add_parser("list", help="the clinic's apps")
    listing.add_argument("--by", required=True, help="a clinic admin of the clinic")
    revoke = actions_parser.add_parser("revoke-tokens", help="end every token of an app")
    revoke.add_argument("--by", required=True, help="a clinic admin of the app's clinic")
    revoke.add_argument("client_id", help="the app's client id")


def handle(command, options) -> None:
    actor = acting_user(options["by"])
    try:
        if options["smart_app_action"] == "add":
            smart_app, secret = actions.do_register_smart_app(
                actor,
                name=options["name"],
                redirect_uris=" ".join(options["redirect_uri"]),
                client_type="confidential" if options["confidential"] else "public",
                allowed_scopes=options["scopes"],
            )
            command.stdout.write(f"Registered {smart_app.application.name!r} for {actor.organisation.name}.")
            command.stdout.write(f"client_id: {smart_app.application.client_id}")
            if secret:
                command.stdout.write("client_secret (shown only once):")
                command.stdout.write(secret)
        elif options["smart_app_action"] == "list":
            for smart_app in selectors.smart_apps(actor):
                application = smart_app.application
                command.stdout.write(
                    f"{application.client_id}\t{application.client_type}\t{application.name}\t{smart_app.allowed_scopes}"
                )
        else:
            smart_app = next(
                (app for app in selectors.smart_apps(actor) if app.application.client_id == options["client_id"]),
                None,
            )
            if smart_app is None:
                fail(f"client_id: no app {options['client_id']!r} in {actor.organisation.name}")
            count = actions.do_revoke_smart_app_tokens(actor, smart_app.pk)
            command.stdout.write(f"Revoked {count} token(s) of {smart_app.application.name!r}.")
    except PermissionDenied:
        fail(f"by: {actor.username} ({actor.get_role_display()}) may not manage the clinic's SMART apps")
    except ValidationError as exc:
        fail(validation_message(exc))
