"""`ketacare fhir backend-client add|list|disable`: a clinic's SMART Backend Services clients from the command
line, through the same actions as /clinic/fhir-backend-clients/ (audited; the clinic admin named by --by acts)."""

import sys

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError

from ketacare.fhir.backend import actions, selectors
from ketacare.fhir.backend.models import BackendClient
from ketacare.fhir.command_input import acting_user
from ketacare.lib.commands import BAD_INPUT_EXIT_STATUS, fail, validation_message


def add_parser(subcommands, name: str) -> None:
    parser = subcommands.add_parser(name, help="register Backend Services clients (bulk export), list, disable")
    client_actions = parser.add_subparsers(dest="backend_client_action", required=True)
    add = client_actions.add_parser("add", help="register a client; prints its client_id (last line)")
    add.add_argument("--by", required=True, help="the clinic admin registering it (their clinic owns the client)")
    add.add_argument("--name", required=True, help="the system's name, as your staff know it")
    add.add_argument(
        "--jwks", required=True, metavar="FILE", help="the client's public JWK Set (JSON file; - reads stdin)"
    )
    add.add_argument("--scopes", default="system/*.rs", help="the system/ scopes it may ask for (default system/*.rs)")
    listing = client_actions.add_parser("list", help="the clinic's backend clients")
    listing.add_argument("--by", required=True, help="a clinic admin of the clinic")
    disable = client_actions.add_parser("disable", help="revoke a client's tokens and refuse new ones")
    disable.add_argument("--by", required=True, help="a clinic admin of the client's clinic")
    disable.add_argument("client_id", help="the client's client_id")


def _read_jwks(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        with open(name, encoding="utf-8") as stream:
            return stream.read()
    except OSError as exc:
        raise CommandError(f"jwks: cannot read {name} ({exc.strerror})", returncode=BAD_INPUT_EXIT_STATUS) from exc


def handle(command, options) -> None:
    actor = acting_user(options["by"])
    try:
        action = options["backend_client_action"]
        if action == "add":
            client = actions.do_register_backend_client(
                actor, name=options["name"], jwks=_read_jwks(options["jwks"]), scopes=options["scopes"]
            )
            command.stdout.write(f"Registered {client.name!r} for {actor.organisation.name}; its client_id:")
            command.stdout.write(client.client_id)
        elif action == "list":
            for client in selectors.backend_clients(actor):
                status = "active" if client.is_active else f"disabled {client.disabled_at:%Y-%m-%d}"
                command.stdout.write(f"{client.client_id}\t{client.name}\t{client.allowed_scopes}\t{status}")
        else:
            found = BackendClient.objects.filter(
                organisation_id=actor.organisation_id, client_id=options["client_id"]
            ).first()
            client = actions.do_disable_backend_client(actor, found.pk if found else 0)
            command.stdout.write(f"Disabled {client.name!r}: its tokens are revoked, new ones refused.")
    except ValidationError as exc:
        fail(validation_message(exc))
    except PermissionDenied as exc:
        fail(str(exc))
