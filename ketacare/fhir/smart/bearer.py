"""OAuth access tokens (SMART apps, Backend Services clients) as bearer tokens on /fhir/: the token's user,
and the grant its scopes make, which narrows what that user's role and clinic allow."""

from django.utils import timezone
from oauth2_provider.models import AccessToken

from ketacare.fhir.domain.scopes import ScopeError, SmartGrant, parse_scopes
from ketacare.fhir.smart.oauth import token_checksum


def oauth_reader(raw_token: str) -> tuple[object, SmartGrant] | None:
    """(user, grant) for a live access token of an active user; None for anything else (401)."""
    access_token = (
        AccessToken.objects.select_related("user", "user__organisation", "smart_launch")
        .filter(token_checksum=token_checksum(raw_token))
        .first()
    )
    if access_token is None or access_token.expires <= timezone.now():
        return None
    user = access_token.user
    if user is None or not user.is_active:
        return None
    try:
        grant = parse_scopes(access_token.scope)
    except ScopeError:
        return None
    launch = getattr(access_token, "smart_launch", None)
    return user, grant.with_patient(launch.patient_id if launch is not None else None)
