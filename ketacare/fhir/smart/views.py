"""SMART App Launch endpoints under /fhir/ (authorize with its consent screen, token, smart-configuration)
and the clinic admin's pages for the clinic's SMART apps (/clinic/smart-apps/)."""

from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.models import Application
from oauth2_provider.views import AuthorizationView, TokenView
from oauthlib.common import add_params_to_uri

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.fhir.domain.scopes import ScopeError, SmartGrant, describe, parse_scopes
from ketacare.fhir.smart import actions, selectors
from ketacare.fhir.smart.forms import ConsentForm, SmartAppForm
from ketacare.fhir.smart.oauth import (
    IDENTITY_SCOPES_SUPPORTED,
    SCOPES_SUPPORTED,
    fhir_base_url,
    oidc_enabled,
    smart_app_of,
)
from ketacare.lib.forms import show_errors
from ketacare.lib.security_headers import CONTENT_SECURITY_POLICY
from ketacare.lib.views import run_action

JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _same_base(aud: str, base: str) -> bool:
    return aud.rstrip("/") == base.rstrip("/")


def needs_patient_choice(user, grant: SmartGrant) -> bool:
    """A staff member launching a patient-level app chooses the patient; a patient user's is their own."""
    return user.is_staff_member and grant.asks_for_patient


class SmartAuthorizationView(AuthorizationView):
    """/fhir/auth/authorize: the sign-in (with two-factor, as every page), then the consent screen."""

    template_name = "fhir/smart/authorize.html"
    form_class = ConsentForm

    def dispatch(self, request, *args, **kwargs):
        if "approval_prompt" in request.GET:  # approval_prompt=auto would skip the consent screen
            request.GET = request.GET.copy()
            del request.GET["approval_prompt"]
        return super().dispatch(request, *args, **kwargs)

    def _refuse(self, application, redirect_uri: str, state: str | None, error: str, description: str):
        """The app learns why at its redirect URI (already checked to be one it registered)."""
        params = [("error", error), ("error_description", description)] + ([("state", state)] if state else [])
        return OAuth2ResponseRedirect(add_params_to_uri(redirect_uri, params), application.get_allowed_schemes())

    def _not_for_this_user(self, smart_app, grant: SmartGrant | None):
        """A page (not a redirect) when the signed-in user cannot authorize this app at all."""
        user = self.request.user
        if smart_app is None or smart_app.organisation_id != user.organisation_id:
            message = "This app is not registered with your clinic, so you cannot authorize it."
        elif grant is not None and needs_patient_choice(user, grant) and not user.may(Permission.PATIENT_VIEW):
            message = "This app asks for a patient's records, and your role may not open patients' records."
        elif not (user.is_staff_member or user.is_patient):
            message = "Your account may not authorize apps."
        else:
            return None
        return render(self.request, "fhir/smart/refused.html", {"message": message}, status=403)

    def get(self, request, *args, **kwargs):
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        application = Application.objects.get(client_id=credentials["client_id"])
        redirect_uri, state = credentials["redirect_uri"], credentials.get("state")
        try:
            grant = parse_scopes(" ".join(scopes))
        except ScopeError as exc:
            return self._refuse(application, redirect_uri, state, "invalid_scope", str(exc))
        refused = self._not_for_this_user(smart_app_of(application), grant)
        if refused is not None:
            return refused
        base = fhir_base_url(request)
        if not _same_base(request.GET.get("aud", ""), base):
            description = f"aud must be this server's FHIR base URL, {base}"
            return self._refuse(application, redirect_uri, state, "invalid_request", description)
        if credentials.get("code_challenge_method") != "S256":
            description = "PKCE with code_challenge_method=S256 is required"
            return self._refuse(application, redirect_uri, state, "invalid_request", description)
        return super().get(request, *args, **kwargs)

    def create_authorization_response(self, request, scopes, credentials, allow):
        uri, headers, body, status = super().create_authorization_response(request, scopes, credentials, allow)
        # RFC 9207's `iss` must be the issuer apps know from smart-configuration and the id_token: the FHIR base
        # URL (django-oauth-toolkit, whose own metadata views are not mounted, would name the site's root).
        parts = urlsplit(uri or "")
        params = parse_qsl(parts.query, keep_blank_values=True)
        if any(name == "iss" for name, _ in params):
            params = [(name, fhir_base_url(request) if name == "iss" else value) for name, value in params]
            uri = urlunsplit(parts._replace(query=urlencode(params)))
            headers["Location"] = uri
        return uri, headers, body, status

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["patient"].queryset = selectors.launch_patients(self.request.user)
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        application = (
            context.get("application") or Application.objects.filter(client_id=form["client_id"].value() or "").first()
        )
        scope_text = form["scope"].value() or ""
        try:
            grant = parse_scopes(scope_text)
        except ScopeError:
            grant = parse_scopes("")
        context.update(
            app_name=application.name if application is not None else "",
            scope_lines=[describe(scope) for scope in scope_text.split()],
            choose_patient=needs_patient_choice(self.request.user, grant),
            own_record=self.request.user.is_patient,
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # The allow/deny answer is a form post that redirects to the app: the CSP's form-action must
        # let that one registered address through.
        form = context.get("form")
        redirect_uri = form["redirect_uri"].value() if form is not None else None
        application = context.get("application")
        if redirect_uri and application is not None and application.redirect_uri_allowed(redirect_uri):
            parts = urlsplit(redirect_uri)
            origin = f"{parts.scheme}://{parts.netloc}"
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
                "form-action 'self'", f"form-action 'self' {origin}"
            )
        return response

    def form_valid(self, form):
        user = self.request.user
        application = Application.objects.filter(client_id=form.cleaned_data["client_id"]).first()
        smart_app = smart_app_of(application) if application is not None else None
        scope_text = form.cleaned_data["scope"]
        try:
            grant = parse_scopes(scope_text)
        except ScopeError:
            grant = None
        refused = self._not_for_this_user(smart_app, grant)
        if refused is not None:
            return refused
        redirect_uri, state = form.cleaned_data["redirect_uri"], form.cleaned_data.get("state")
        if grant is None or form.cleaned_data.get("code_challenge_method") != "S256":
            if not application.redirect_uri_allowed(redirect_uri):
                raise Http404("No such authorization request.")
            return self._refuse(application, redirect_uri, state, "invalid_request", "The request was altered.")
        allow = form.cleaned_data["allow"]
        patient = form.cleaned_data.get("patient") if needs_patient_choice(user, grant) else None
        if allow and needs_patient_choice(user, grant) and patient is None:
            form.add_error("patient", "Choose the patient the app is for.")
            return self.form_invalid(form)
        response = super().form_valid(form)
        code = parse_qs(urlsplit(response.get("Location", "")).query).get("code", [None])[0]
        granted = allow and code is not None
        # online_access (and not offline_access): refreshes work only while this session is signed in.
        session_key = self.request.session.session_key if grant.online_only else None
        if granted and (patient is not None or session_key):
            actions.start_launch(application, user, patient, code, session_key=session_key or "")
        if patient is None and user.is_patient:
            patient = selectors.own_record(user)
        actions.record_authorization(user, smart_app, allowed=granted, scopes=scope_text, patient=patient)
        return response


class SmartTokenView(TokenView):
    """/fhir/auth/token: django-oauth-toolkit's token endpoint; a client that authenticates with a signed JWT
    (SMART Backend Services, `client_assertion_type` jwt-bearer) goes to fhir/backend."""

    def post(self, request, *args, **kwargs):
        if request.POST.get("client_assertion_type") == JWT_BEARER_ASSERTION:
            from ketacare.fhir.backend.token import client_credentials_token

            return client_credentials_token(request)
        return super().post(request, *args, **kwargs)


# Client authentication at the token endpoint: a confidential app's secret, a backend client's signed JWT.
TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "private_key_jwt"]
# The id_token's claims (fhir/smart/oauth.py SmartValidator): OpenID Connect's own, fhirUser, the name.
ID_TOKEN_CLAIMS = [
    *("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce"),
    *("fhirUser", "name", "given_name", "family_name"),
]


def _endpoints(request) -> dict:
    endpoints = {
        "issuer": fhir_base_url(request),
        "authorization_endpoint": request.build_absolute_uri(reverse("fhir:smart_authorize")),
        "token_endpoint": request.build_absolute_uri(reverse("fhir:smart_token")),
    }
    if oidc_enabled():
        endpoints["jwks_uri"] = request.build_absolute_uri(reverse("fhir:smart_jwks"))
    return endpoints


@require_GET
def smart_configuration(request):
    """/.well-known/smart-configuration (and under /fhir/): what a SMART app reads before it launches."""
    identity_scopes, identity_capabilities = (
        (list(IDENTITY_SCOPES_SUPPORTED), ["sso-openid-connect"]) if oidc_enabled() else ([], [])
    )
    return JsonResponse(
        {
            **_endpoints(request),
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "token_endpoint_auth_methods_supported": TOKEN_ENDPOINT_AUTH_METHODS,
            "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
            "scopes_supported": [*identity_scopes, *SCOPES_SUPPORTED, "system/*.rs", "system/*.read"],
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "capabilities": [
                "launch-standalone",
                "client-public",
                "client-confidential-symmetric",
                "client-confidential-asymmetric",
                "context-standalone-patient",
                "permission-patient",
                "permission-user",
                "permission-v1",
                "permission-v2",
                "permission-offline",
                *identity_capabilities,
            ],
        }
    )


@require_GET
def openid_configuration(request):
    """/fhir/.well-known/openid-configuration (the issuer's, OpenID Connect Discovery) and at the site root:
    where an app finds the key that signs id_tokens. 404 where no key is configured."""
    if not oidc_enabled():
        raise Http404("OpenID Connect is not configured on this server (KETACARE_OIDC_RSA_KEY_FILE).")
    return JsonResponse(
        {
            **_endpoints(request),
            "scopes_supported": [*IDENTITY_SCOPES_SUPPORTED, *SCOPES_SUPPORTED],
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": TOKEN_ENDPOINT_AUTH_METHODS,
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ID_TOKEN_CLAIMS,
            "authorization_response_iss_parameter_supported": True,
        }
    )


# The clinic admin's pages.


@permission_required(Permission.ORGANISATION_SETTINGS)
@require_GET
def app_list(request):
    return render(request, "fhir/smart/app_list.html", {"apps": selectors.smart_apps(request.user)})


@permission_required(Permission.ORGANISATION_SETTINGS)
@require_http_methods(["GET", "POST"])
def app_create(request):
    form = SmartAppForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            smart_app, secret = actions.do_register_smart_app(request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            # The secret is shown on this response only (it is stored hashed): no redirect.
            context = {"app": smart_app, "secret": secret, "live_tokens": 0}
            return render(request, "fhir/smart/app_detail.html", context)
    return render(request, "fhir/smart/app_form.html", {"form": form}, status=422 if form.errors else 200)


@permission_required(Permission.ORGANISATION_SETTINGS)
@require_GET
def app_detail(request, pk: int):
    smart_app = selectors.access_smart_app(request.user, pk)
    context = {"app": smart_app, "live_tokens": selectors.live_token_count(smart_app)}
    return render(request, "fhir/smart/app_detail.html", context)


@permission_required(Permission.ORGANISATION_SETTINGS)
@require_POST
def app_revoke_tokens(request, pk: int):
    smart_app = selectors.access_smart_app(request.user, pk)
    return run_action(
        request,
        lambda: actions.do_revoke_smart_app_tokens(request.user, smart_app.pk),
        success=lambda count: f"{count} token(s) of {smart_app.application.name} revoked.",
        redirect_to=reverse("smart_apps:detail", args=[pk]),
    )
