"""django-oauth-toolkit's hooks for SMART App Launch: scopes checked against what the app was registered for,
the launched patient carried from the authorization code to every token, refresh tokens only with
`offline_access`/`online_access` (an `online_access` one only while the session that authorized it is signed
in), an audit entry for every token issued, and OpenID Connect's id_token (`openid fhirUser profile`) whose
issuer is the FHIR base URL."""

import hashlib
import time

from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings

from ketacare.accounts.middleware import idle_past_logoff
from ketacare.accounts.models import UserSession
from ketacare.fhir.domain.scopes import (
    FHIR_USER,
    IDENTITY_SCOPES,
    LAUNCH_PATIENT,
    OPENID,
    PROFILE,
    ScopeError,
    describe,
    parse_scopes,
    within,
)
from ketacare.fhir.smart.models import SmartApp, SmartLaunch
from ketacare.patients.models import Patient

SCOPES_SUPPORTED = (
    "launch/patient",
    "patient/*.rs",
    "patient/*.read",
    "user/*.rs",
    "user/*.read",
    "offline_access",
    "online_access",
)
# Offered only where id_tokens can be signed (oidc_enabled()).
IDENTITY_SCOPES_SUPPORTED = (OPENID, FHIR_USER, PROFILE)


def oidc_enabled() -> bool:
    """True when a key signs id_tokens (KETACARE_OIDC_RSA_KEY_FILE, or debug/demo mode): `openid`, `fhirUser`
    and `profile` are offered."""
    return bool(oauth2_settings.OIDC_ENABLED)


class _OAuthlibHttpRequest(HttpRequest):
    """A Django request rebuilt from an oauthlib request's headers (django-oauth-toolkit passes the Django
    request's META, and marks a secure one), to build absolute URLs at the token endpoint."""

    def __init__(self, headers) -> None:
        super().__init__()
        self.META = headers
        self._secure = bool(headers.get("X_DJANGO_OAUTH_TOOLKIT_SECURE"))

    def _get_scheme(self) -> str:
        return "https" if self._secure else "http"


def fhir_base_url(request) -> str:
    """The FHIR base URL, no trailing slash: the `aud` apps name, the OpenID Connect issuer, the start of
    `fhirUser`. `request` is a Django request or django-oauth-toolkit's oauthlib request."""
    django_request = request if isinstance(request, HttpRequest) else _OAuthlibHttpRequest(request.headers)
    return django_request.build_absolute_uri("/fhir")


class ScopeDescriptions(dict):
    """Every scope's plain words (django-oauth-toolkit looks scopes up by name; SMART's are open-ended)."""

    def __missing__(self, scope: str) -> str:
        return describe(scope)


class SmartScopes(BaseScopes):
    def get_all_scopes(self):
        supported = SCOPES_SUPPORTED + (IDENTITY_SCOPES_SUPPORTED if oidc_enabled() else ())
        return ScopeDescriptions({scope: describe(scope) for scope in supported})

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        smart_app = SmartApp.objects.filter(application=application).first() if application is not None else None
        return smart_app.allowed_scopes.split() if smart_app is not None else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        # SMART apps name their scopes; asking for none grants none.
        return []


def token_checksum(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def own_patient_id(user) -> int | None:
    """A patient user's own record."""
    return Patient.objects.filter(user=user, merged_into__isnull=True).values_list("pk", flat=True).first()


def smart_app_of(application) -> SmartApp | None:
    return SmartApp.objects.filter(application=application).select_related("organisation").first()


def fhir_user_url(user, base_url: str) -> str | None:
    """The `fhirUser` claim: the user's own FHIR resource, Practitioner for staff (fhir/mappers/people.py keys
    it by user id), the patient user's Patient record; None for any other account."""
    if user.is_staff_member:
        return f"{base_url}/Practitioner/{user.pk}"
    if user.is_patient:
        patient_id = own_patient_id(user)
        return f"{base_url}/Patient/{patient_id}" if patient_id is not None else None
    return None


def still_signed_in(session_key: str, user) -> bool:
    """The session `session_key` is still `user`'s and signed in: not signed out (that deletes it), not expired,
    and (staff) not idle past the automatic logoff. A password change replaces the session key, so it counts as
    the session's end too."""
    session = UserSession.objects.filter(session_key=session_key, user=user, expire_date__gt=timezone.now()).first()
    return session is not None and not idle_past_logoff(user, session.get_decoded(), time.time())


class SmartValidator(OAuth2Validator):
    # Each id_token claim and the scope that releases it (django-oauth-toolkit leaves out claims not named).
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, FHIR_USER: FHIR_USER}

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        """Every scope asked for is one this server grants and the app was registered for."""
        smart_app = smart_app_of(client)
        if smart_app is None:
            return super().validate_scopes(client_id, scopes, client, request, *args, **kwargs)
        if IDENTITY_SCOPES & set(scopes) and not oidc_enabled():
            return False
        try:
            return within(" ".join(scopes), smart_app.allowed_scopes)
        except ScopeError:
            return False

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        valid = super().validate_code(client_id, code, client, request, *args, **kwargs)
        if valid:
            request.smart_launch = SmartLaunch.objects.filter(code=code, application=client).first()
        return valid

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        """An `online_access` refresh token works only while the session that authorized it is signed in
        (SMART App Launch 2: "usable for as long as the end-user remains online"); refused: invalid_grant."""
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        launch = SmartLaunch.objects.filter(refresh_token=request.refresh_token_instance).first()
        return launch is None or not launch.session_key or still_signed_in(launch.session_key, request.user)

    def get_oidc_issuer_endpoint(self, request):
        return fhir_base_url(request)

    def get_additional_claims(self, request):
        """`fhirUser` (released by the fhirUser scope) and the name claims (profile); `sub` is the user's id."""
        user = request.user
        claims = {"name": user.display_name}
        if user.first_name:
            claims["given_name"] = user.first_name
        if user.last_name:
            claims["family_name"] = user.last_name
        fhir_user = fhir_user_url(user, fhir_base_url(request)) if FHIR_USER in request.scopes else None
        if fhir_user is not None:
            claims[FHIR_USER] = fhir_user
        return claims

    def _save_bearer_token(self, token, request, *args, **kwargs):
        from ketacare.fhir.smart.actions import record_token_issued

        try:
            grant = parse_scopes(token.get("scope", ""))
        except ScopeError:
            grant = None
        if grant is not None and not grant.refresh_allowed:
            # SMART: a refresh token only for offline_access or online_access.
            token.pop("refresh_token", None)
        previous_refresh = getattr(request, "refresh_token_instance", None)
        launch = getattr(request, "smart_launch", None)
        if launch is None and isinstance(previous_refresh, RefreshToken):
            launch = SmartLaunch.objects.filter(refresh_token=previous_refresh).first()
        super()._save_bearer_token(token, request, *args, **kwargs)
        access_token = AccessToken.objects.get(token_checksum=token_checksum(token["access_token"]))
        refresh_token = None
        if token.get("refresh_token"):
            refresh_token = RefreshToken.objects.filter(token_checksum=token_checksum(token["refresh_token"])).first()
        patient_id = None
        if launch is not None:
            launch.access_token, launch.refresh_token = access_token, refresh_token
            launch.save(update_fields=["access_token", "refresh_token"])
            patient_id = launch.patient_id
        if patient_id is None and access_token.user is not None and access_token.user.is_patient:
            patient_id = own_patient_id(access_token.user)
        if grant is not None and LAUNCH_PATIENT in grant.context_scopes and patient_id is not None:
            token["patient"] = str(patient_id)
        record_token_issued(access_token, request.grant_type, patient_id)
