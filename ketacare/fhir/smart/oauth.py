"""django-oauth-toolkit's hooks for SMART App Launch: scopes checked against what the app was registered for,
the launched patient carried from the authorization code to every token, refresh tokens only with
`offline_access`/`online_access`, and an audit entry for every token issued."""

import hashlib

from oauth2_provider.models import AccessToken, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from ketacare.fhir.domain.scopes import LAUNCH_PATIENT, ScopeError, describe, parse_scopes, within
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


class ScopeDescriptions(dict):
    """Every scope's plain words (django-oauth-toolkit looks scopes up by name; SMART's are open-ended)."""

    def __missing__(self, scope: str) -> str:
        return describe(scope)


class SmartScopes(BaseScopes):
    def get_all_scopes(self):
        return ScopeDescriptions({scope: describe(scope) for scope in SCOPES_SUPPORTED})

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


class SmartValidator(OAuth2Validator):
    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        """Every scope asked for is one this server grants and the app was registered for."""
        smart_app = smart_app_of(client)
        if smart_app is None:
            return super().validate_scopes(client_id, scopes, client, request, *args, **kwargs)
        try:
            return within(" ".join(scopes), smart_app.allowed_scopes)
        except ScopeError:
            return False

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        valid = super().validate_code(client_id, code, client, request, *args, **kwargs)
        if valid:
            request.smart_launch = SmartLaunch.objects.filter(code=code, application=client).first()
        return valid

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
        elif access_token.user is not None and access_token.user.is_patient:
            patient_id = own_patient_id(access_token.user)
        if grant is not None and LAUNCH_PATIENT in grant.context_scopes and patient_id is not None:
            token["patient"] = str(patient_id)
        record_token_issued(access_token, request.grant_type, patient_id)
