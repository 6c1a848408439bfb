"""Writes to accounts: REST API tokens (each change audited as a security event) and display preferences."""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.models import ApiToken
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.lib.zones import is_known_zone


@transaction.atomic
def do_create_api_token(actor, name: str) -> tuple[ApiToken, str]:
    """A new bearer token for `actor`; the secret is returned once and only its SHA-256 is kept.

    A bearer token skips two-factor sign-in (docs/api.md), so a clinic may require that tokens be
    created only from a session that completed it (Organisation.api_tokens_require_two_factor)."""
    require_permission(actor, Permission.API_TOKEN_MANAGE)
    # `is_verified` is what django-otp's middleware puts on the request's user; any other caller
    # (a command, a script) has no verified session.
    verified = getattr(actor, "is_verified", None)
    organisation = actor.organisation
    if organisation is not None and organisation.api_tokens_require_two_factor and not (verified and verified()):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: "Your clinic allows API tokens only from a two-factor sign-in: set up two-factor "
                "sign-in (or sign in again with it), then create the token."
            }
        )
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


@transaction.atomic
def do_set_display_preferences(actor, *, time_zone: str, home_location_id: int | None) -> None:
    """The zone the actor's pages show times in (blank: their home location's) and, for staff, the
    location they work at (their calendar, leave and day list follow it). See ketacare/lib/zones.py."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("Sign in first")
    time_zone = time_zone.strip()
    if time_zone and not is_known_zone(time_zone):
        raise ValidationError({"time_zone": "Choose a time zone from the list (e.g. America/Los_Angeles)."})
    home = None
    if home_location_id is not None:
        if not actor.is_staff_member or actor.organisation is None:
            raise ValidationError({"home_location": "Only clinic staff have a home location."})
        # Through the relation, not the model: accounts sits below clinics (ARCHITECTURE.md, floors).
        home = actor.organisation.locations.filter(pk=home_location_id, is_active=True).first()
        if home is None:
            raise ValidationError({"home_location": "Choose one of your clinic's locations."})
    before = {"time_zone": actor.time_zone, "home_location": actor.home_location_id}
    actor.time_zone = time_zone
    actor.home_location = home
    actor.save(update_fields=["time_zone", "home_location"])
    after = {"time_zone": actor.time_zone, "home_location": actor.home_location_id}
    if before != after:
        record_event(actor, AuditAction.UPDATE, actor, detail={"event": "display_preferences", **after})
