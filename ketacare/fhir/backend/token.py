"""The client-credentials grant of SMART Backend Services: a signed JWT assertion in, a short-lived token out.

/fhir/auth/token (fhir/smart/) hands over a POST whose `client_assertion_type` is
`urn:ietf:params:oauth:client-assertion-type:jwt-bearer`. The assertion must be signed (RS384 or ES384) by a
key in the client's registered JWK Set, with `iss` = `sub` = the client id, `aud` = this token endpoint's
URL, `exp` at most five minutes ahead and a `jti` never seen before (kept until the assertion expires).
The answer is a DOT access token of the client's service account for the requested `system/` scopes (each
within those the client is registered for), valid five minutes. Errors are RFC 6749 section 5.2 JSON,
and every answer is audited (a sign-in of the service account, or a failed one).
"""

import base64
import datetime as dt
import json
import logging
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from jwcrypto.common import JWException
from jwcrypto.jwk import JWKSet
from jwcrypto.jws import JWS
from oauth2_provider.models import get_access_token_model, set_token_value

from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.fhir.backend.models import BackendClient, UsedAssertion
from ketacare.fhir.backend.scopes import grant
from ketacare.fhir.domain.scopes import ScopeError

logger = logging.getLogger(__name__)

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SIGNING_ALGORITHMS = ["RS384", "ES384"]  # SMART Backend Services: servers support both
# The assertion lives at most five minutes; a client clock a little ahead of ours is tolerated.
MAX_ASSERTION_SECONDS = 300
CLOCK_SKEW_SECONDS = 30
# SMART Backend Services recommends access tokens of at most five minutes: the client asks again.
ACCESS_TOKEN_SECONDS = 300


class TokenRefused(Exception):
    def __init__(self, error: str, description: str, status: int = 400, client: BackendClient | None = None):
        super().__init__(description)
        self.error, self.description, self.status, self.client = error, description, status, client


def client_credentials_token(request) -> HttpResponse:
    """Answer a client-credentials token request authenticated by a private-key JWT (RFC 7523)."""
    try:
        client, granted = _check(request)
    except TokenRefused as refused:
        _audit_refusal(request, refused)
        response = JsonResponse(
            {"error": refused.error, "error_description": refused.description}, status=refused.status
        )
        response["Cache-Control"] = "no-store"
        return response
    raw_token = _issue(client, granted)
    response = JsonResponse(
        {
            "access_token": raw_token,
            "token_type": "bearer",
            "expires_in": ACCESS_TOKEN_SECONDS,
            "scope": granted,
        }
    )
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _check(request) -> tuple[BackendClient, str]:
    if request.method != "POST":
        raise TokenRefused("invalid_request", "Request a token with POST.")
    if request.POST.get("grant_type") != "client_credentials":
        raise TokenRefused("unsupported_grant_type", "A client assertion goes with grant_type=client_credentials.")
    if request.POST.get("client_assertion_type") != JWT_BEARER:
        raise TokenRefused("invalid_client", f"client_assertion_type must be {JWT_BEARER}.", 401)
    assertion = request.POST.get("client_assertion", "")
    claims = _unverified_claims(assertion)
    client_id = claims.get("iss")
    client = (
        BackendClient.objects.filter(client_id=client_id if isinstance(client_id, str) else "")
        .select_related("service_account", "application", "organisation")
        .first()
    )
    if client is None:
        raise TokenRefused("invalid_client", "No client is registered with this iss.", 401)
    if client.disabled_at is not None or not client.service_account.is_active:
        raise TokenRefused("invalid_client", "This client is disabled.", 401, client)
    claims = _verified_claims(assertion, client)
    _check_claims(claims, client, request)
    try:
        granted = grant(request.POST.get("scope", ""), client.allowed_scopes)
    except ScopeError as exc:
        raise TokenRefused("invalid_scope", str(exc), 400, client) from exc
    _remember_jti(client, claims)
    return client, granted


def _unverified_claims(assertion: str) -> dict:
    """The claims, read before the signature is checked only to find the client whose keys check it."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise TokenRefused("invalid_client", "client_assertion is no signed JWT (header.payload.signature).", 401)
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError) as exc:
        raise TokenRefused("invalid_client", "client_assertion's payload is not JSON.", 401) from exc
    if not isinstance(claims, dict):
        raise TokenRefused("invalid_client", "client_assertion's payload is no JSON object.", 401)
    return claims


def _verified_claims(assertion: str, client: BackendClient) -> dict:
    signed = JWS()
    try:
        signed.deserialize(assertion)
        signed.allowed_algs = SIGNING_ALGORITHMS
        signed.verify(JWKSet.from_json(json.dumps(client.jwks)))
    except (JWException, ValueError, TypeError) as exc:
        raise TokenRefused(
            "invalid_client",
            "client_assertion is not signed (RS384 or ES384) by a key registered for this client.",
            401,
            client,
        ) from exc
    return json.loads(signed.payload)


def _check_claims(claims: dict, client: BackendClient, request) -> None:
    def refuse(description: str):
        return TokenRefused("invalid_client", description, 401, client)

    if claims.get("iss") != client.client_id or claims.get("sub") != client.client_id:
        raise refuse("iss and sub must both be the client_id.")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    # This endpoint's URL as the request reached it, and as the public address names it behind a proxy.
    token_url = request.build_absolute_uri(request.path)
    accepted = {token_url}
    if settings.PUBLIC_BASE_URL:
        accepted.add(settings.PUBLIC_BASE_URL.rstrip("/") + request.path)
    if not accepted & {a for a in audiences if isinstance(a, str)}:
        raise refuse(f"aud must be this token endpoint's URL ({token_url}).")
    expires = claims.get("exp")
    now = timezone.now().timestamp()
    if not isinstance(expires, int | float) or isinstance(expires, bool):
        raise refuse("exp (a number of seconds since 1970) is required.")
    if expires <= now:
        raise refuse("The assertion has expired.")
    if expires > now + MAX_ASSERTION_SECONDS + CLOCK_SKEW_SECONDS:
        raise refuse("exp is more than five minutes ahead.")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > UsedAssertion._meta.get_field("jti").max_length:
        raise refuse("jti (a unique id of this assertion, up to 255 characters) is required.")


def _remember_jti(client: BackendClient, claims: dict) -> None:
    """Keep the jti until the assertion expires; a jti already kept is a replay."""
    now = timezone.now()
    UsedAssertion.objects.filter(expires_at__lt=now).delete()
    expires_at = dt.datetime.fromtimestamp(claims["exp"], tz=dt.UTC)
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(client=client, jti=claims["jti"], expires_at=expires_at)
    except IntegrityError as exc:
        raise TokenRefused("invalid_client", "This assertion (its jti) was used already.", 401, client) from exc


@transaction.atomic
def _issue(client: BackendClient, granted: str) -> str:
    """A new access token for the client's service account; the raw token (the database keeps its hash only)."""
    raw_token = secrets.token_urlsafe(32)
    token = get_access_token_model()(
        user=client.service_account,
        application=client.application,
        expires=timezone.now() + dt.timedelta(seconds=ACCESS_TOKEN_SECONDS),
        scope=granted,
    )
    set_token_value(token, raw_token)
    token.save()
    record_event(
        client.service_account,
        AuditAction.LOGIN,
        client,
        organisation=client.organisation,
        detail={"event": "fhir_backend_token", "client_id": client.client_id, "scope": granted},
    )
    return raw_token


def _audit_refusal(request, refused: TokenRefused) -> None:
    client = refused.client
    record_event(
        None,
        AuditAction.LOGIN_FAILED,
        organisation=client.organisation if client is not None else None,
        object_type="fhir.backendclient",
        object_id=str(client.pk) if client is not None else "",
        detail={
            "event": "fhir_backend_token_refused",
            "client_id": client.client_id if client is not None else "",
            "error": refused.error,
            "reason": refused.description,
        },
    )
