"""Register and disable SMART Backend Services clients (clinic admins: ORGANISATION_SETTINGS, as for SMART apps)."""

import json
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from jwcrypto.common import JWException
from jwcrypto.jwk import JWKSet
from oauth2_provider.models import AccessToken, get_application_model

from ketacare.accounts.domain.roles import Permission, Role
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.fhir.backend.models import BackendClient
from ketacare.fhir.backend.scopes import system_scopes
from ketacare.fhir.domain.scopes import ScopeError
from ketacare.lib.ids import db_id_or_zero

# The key types of the signatures accepted (RS384, ES384: SMART Backend Services, "Signature algorithms").
KEY_TYPES = {"RSA", "EC"}


def parse_jwks(text: str) -> dict:
    """The client's public JWK Set from its JSON text; ValidationError({"jwks": ...}) for anything else."""
    try:
        document = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"jwks": f"This is not JSON ({exc})."}) from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list) or not document["keys"]:
        raise ValidationError({"jwks": 'Give a JWK Set: {"keys": [...]} with at least one public key.'})
    for key in document["keys"]:
        if not isinstance(key, dict) or key.get("kty") not in KEY_TYPES:
            raise ValidationError({"jwks": "Each key must be an RSA or EC key (for RS384 or ES384 signatures)."})
        if "d" in key:
            raise ValidationError({"jwks": "This holds a private key: register only the public keys."})
    try:
        JWKSet.from_json(json.dumps(document))
    except (JWException, ValueError, TypeError) as exc:
        raise ValidationError({"jwks": f"These keys do not load ({exc})."}) from exc
    return document


def clean_allowed_scopes(text: str) -> str:
    try:
        return system_scopes(text)
    except ScopeError as exc:
        raise ValidationError({"scopes": str(exc)}) from exc


@transaction.atomic
def do_register_backend_client(actor, name: str, jwks: str, scopes: str) -> BackendClient:
    """A new backend client of the actor's clinic, with its service account and OAuth application."""
    require_permission(actor, Permission.ORGANISATION_SETTINGS)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the client (e.g. the system that will export)."})
    if len(name) > BackendClient._meta.get_field("name").max_length:
        raise ValidationError({"name": "Keep the name under 100 characters."})
    keys = parse_jwks(jwks)
    allowed = clean_allowed_scopes(scopes)
    client_id = secrets.token_urlsafe(24)
    account = get_user_model()(
        username=f"backend-{client_id}",
        organisation=actor.organisation,
        role=Role.BACKEND_SERVICE.value,
        first_name=name,
        last_name="(backend client)",
    )
    account.set_unusable_password()  # it never signs in: it holds only the tokens issued below
    account.save()
    Application = get_application_model()
    application = Application.objects.create(
        name=f"{name} (backend client)",
        client_id=client_id,
        user=account,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        redirect_uris="",
    )
    client = BackendClient.objects.create(
        organisation=actor.organisation,
        name=name,
        client_id=client_id,
        jwks=keys,
        allowed_scopes=allowed,
        service_account=account,
        application=application,
        created_by=actor,
    )
    record_event(
        actor,
        AuditAction.SECURITY,
        client,
        detail={"event": "fhir_backend_client_registered", "name": name, "client_id": client_id, "scopes": allowed},
    )
    return client


@transaction.atomic
def do_disable_backend_client(actor, client_pk: object) -> BackendClient:
    """Stop a client: its tokens are revoked, its service account deactivated, new tokens refused."""
    require_permission(actor, Permission.ORGANISATION_SETTINGS)
    client = (
        BackendClient.objects.select_for_update()
        .filter(organisation_id=actor.organisation_id, pk=db_id_or_zero(client_pk))
        .select_related("service_account")
        .first()
    )
    if client is None:
        raise ValidationError({"client": "No such backend client in your clinic."})
    if client.disabled_at is not None:
        raise ValidationError({"client": f"{client.name} is already disabled."})
    client.disabled_at = timezone.now()
    client.save(update_fields=["disabled_at"])
    account = client.service_account
    account.is_active = False
    account.save(update_fields=["is_active"])
    AccessToken.objects.filter(user=account).delete()
    record_event(
        actor,
        AuditAction.SECURITY,
        client,
        detail={"event": "fhir_backend_client_disabled", "name": client.name, "client_id": client.client_id},
    )
    return client
