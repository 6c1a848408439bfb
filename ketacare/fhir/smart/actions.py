"""SMART apps: registering one for a clinic, revoking its tokens, and the audit of every authorization and
token (django-oauth-toolkit writes the grants and tokens themselves)."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application, RefreshToken

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.fhir.domain.scopes import IDENTITY_SCOPES, ScopeContext, ScopeError, parse_scopes
from ketacare.fhir.smart.models import SmartApp, SmartLaunch
from ketacare.fhir.smart.oauth import oidc_enabled
from ketacare.lib.text import clean_text

CLIENT_TYPES = {"public": Application.CLIENT_PUBLIC, "confidential": Application.CLIENT_CONFIDENTIAL}
# http is allowed only back to the machine the app runs on (a desktop app's loopback redirect).
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def _clean_redirect_uris(value: object) -> str:
    text = clean_text("redirect_uris", value, required=True)
    uris = text.split()
    for uri in uris:
        parts = urlsplit(uri)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.fragment:
            raise ValidationError({"redirect_uris": f"{uri}: give an absolute https:// address without a #fragment."})
        if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
            raise ValidationError({"redirect_uris": f"{uri}: use https:// (http:// only for localhost)."})
    return " ".join(uris)


def _clean_scopes(value: object) -> str:
    text = clean_text("allowed_scopes", value, required=True)
    try:
        grant = parse_scopes(text)
    except ScopeError as exc:
        raise ValidationError({"allowed_scopes": str(exc)}) from None
    if any(scope.context == ScopeContext.SYSTEM for scope in grant.resource_scopes):
        raise ValidationError({"allowed_scopes": "system/ scopes belong to Backend Services clients, not apps."})
    if not grant.resource_scopes:
        raise ValidationError({"allowed_scopes": "Name at least one patient/ or user/ scope (e.g. patient/*.rs)."})
    identity = sorted(IDENTITY_SCOPES & grant.context_scopes)
    if identity and not oidc_enabled():
        raise ValidationError(
            {"allowed_scopes": f"{' '.join(identity)}: this server signs no id_tokens (KETACARE_OIDC_RSA_KEY_FILE)."}
        )
    return " ".join(text.split())


def do_register_smart_app(
    actor, *, name: object, redirect_uris: object, client_type: object, allowed_scopes: object
) -> tuple[SmartApp, str | None]:
    """Register a SMART app for the actor's clinic: (the app, its client secret — shown once, only for a
    confidential client; stored hashed)."""
    require_permission(actor, Permission.ORGANISATION_SETTINGS)
    name = clean_text("name", name, required=True, max_chars=100)
    uris = _clean_redirect_uris(redirect_uris)
    if client_type not in CLIENT_TYPES:
        raise ValidationError({"client_type": "Choose public (no secret: browser and phone apps) or confidential."})
    scopes = _clean_scopes(allowed_scopes)
    secret = generate_client_secret() if client_type == "confidential" else None
    with transaction.atomic():
        application = Application.objects.create(
            name=name,
            user=actor,
            redirect_uris=uris,
            client_type=CLIENT_TYPES[client_type],
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            client_secret=secret or "",
            hash_client_secret=True,
            skip_authorization=False,
            # id_tokens (openid) are signed with the server's RSA key (OIDC_RSA_PRIVATE_KEY), never the secret.
            algorithm=Application.RS256_ALGORITHM,
        )
        smart_app = SmartApp.objects.create(
            application=application, organisation=actor.organisation, allowed_scopes=scopes, created_by=actor
        )
        record_event(
            actor,
            AuditAction.CREATE,
            smart_app,
            organisation=actor.organisation,
            detail={
                "smart_app": name,
                "client_id": application.client_id,
                "client_type": client_type,
                "redirect_uris": uris.split(),
                "allowed_scopes": scopes,
            },
        )
    return smart_app, secret


def do_revoke_smart_app_tokens(actor, app_id: int) -> int:
    """End every access and refresh token of the app (its users authorize it again); the number of tokens."""
    require_permission(actor, Permission.ORGANISATION_SETTINGS)
    with transaction.atomic():
        smart_app = (
            SmartApp.objects.select_for_update()
            .select_related("application")
            .filter(pk=app_id, organisation_id=actor.organisation_id)
            .first()
        )
        if smart_app is None:
            raise ValidationError({"app": "No such app in your clinic."})
        application = smart_app.application
        access_count, _ = AccessToken.objects.filter(application=application).delete()
        refresh_tokens = RefreshToken.objects.filter(application=application, revoked__isnull=True)
        refresh_count = refresh_tokens.count()
        for refresh_token in refresh_tokens:
            refresh_token.revoke()
        record_event(
            actor,
            AuditAction.SECURITY,
            smart_app,
            organisation=actor.organisation,
            detail={
                "event": "smart_app_tokens_revoked",
                "smart_app": application.name,
                "client_id": application.client_id,
                "access_tokens": access_count,
                "refresh_tokens": refresh_count,
            },
        )
    return access_count + refresh_count


def record_authorization(user, smart_app: SmartApp, *, allowed: bool, scopes: str, patient=None) -> None:
    """The user's answer on the consent screen."""
    record_event(
        user,
        AuditAction.SECURITY,
        smart_app,
        patient=patient,
        organisation=smart_app.organisation,
        detail={
            "event": "smart_authorization_granted" if allowed else "smart_authorization_denied",
            "smart_app": smart_app.application.name,
            "client_id": smart_app.application.client_id,
            "scopes": scopes,
        },
    )


def record_token_issued(access_token: AccessToken, grant_type: str, patient_id: int | None) -> None:
    """An access token issued by the token endpoint (an authorization code exchanged, or a refresh)."""
    application, user = access_token.application, access_token.user
    organisation = user.organisation if user is not None and user.organisation_id else None
    record_event(
        user,
        AuditAction.SECURITY,
        organisation=organisation,
        object_type="oauth2_provider.accesstoken",
        object_id=str(access_token.pk),
        detail={
            "event": "smart_token_issued",
            "grant_type": grant_type,
            "client_id": application.client_id if application is not None else "",
            "scopes": access_token.scope,
            "patient_id": patient_id,
            "expires": access_token.expires.isoformat(),
        },
    )


def start_launch(application: Application, user, patient, code: str, *, session_key: str = "") -> SmartLaunch:
    """The patient a staff member chose on the consent screen and, for online_access, the session that
    authorized it, kept with the authorization code it issued (fhir/smart/oauth.py carries them on to the
    tokens). The consent's audit entry names the patient."""
    return SmartLaunch.objects.create(
        application=application, user=user, patient=patient, code=code, session_key=session_key
    )
