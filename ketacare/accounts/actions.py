"""Writes to accounts: REST API tokens. Each change is audited as a security event."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.models import ApiToken
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction


@transaction.atomic
def do_create_api_token(actor, name: str) -> tuple[ApiToken, str]:
    """A new bearer token for `actor`; the secret is returned once and only its SHA-256 is kept."""
    require_permission(actor, Permission.API_TOKEN_MANAGE)
    secret = ApiToken.new_secret()
    token = ApiToken(
        user=actor,
        name=name.strip(),
        token_sha256=ApiToken.hash(secret),
        prefix=secret[: ApiToken._meta.get_field("prefix").max_length],
    )
    token.full_clean()
    token.save(force_insert=True)
    record_event(
        actor,
        AuditAction.SECURITY,
        token,
        detail={"event": "api_token_created", "name": token.name, "prefix": token.prefix},
    )
    return token, secret


@transaction.atomic
def do_revoke_api_token(actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (another user's token is a 404)."""
    require_permission(actor, Permission.API_TOKEN_MANAGE)
    token = get_object_or_404(ApiToken.objects.select_for_update(), pk=token_id, user=actor)
    if token.revoked_at is not None:
        raise ValidationError({"token": "This token was already revoked."})
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_event(
        actor,
        AuditAction.SECURITY,
        token,
        detail={"event": "api_token_revoked", "name": token.name, "prefix": token.prefix},
    )
    return token
