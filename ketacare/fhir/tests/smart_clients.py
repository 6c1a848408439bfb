"""A SMART app's side of a standalone launch, for tests: PKCE, the authorize URL, the answer on the consent
screen, the code exchanged at the token endpoint (fixtures `smart_app` and `launch` in conftest.py)."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

from django.test import Client

AUD = "http://testserver/fhir"
REDIRECT = "https://app.example/callback"
APP_ORIGIN = "https://app.example"
APP_SCOPES = "launch/patient patient/*.rs user/*.rs offline_access online_access openid fhirUser profile"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(app, scope: str, challenge: str | None, **overrides) -> str:
    params = {
        "response_type": "code",
        "client_id": app.application.client_id,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "st4te",
        "aud": AUD,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **overrides,
    }
    return "/fhir/auth/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})


def redirect_params(response) -> dict[str, str]:
    assert response.status_code == 302, response.content[:500]
    location = response["Location"]
    assert location.startswith(REDIRECT), location
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def consent(client, url: str, *, allow: bool = True, patient=None):
    """Open the consent screen and answer it; the response to the answer."""
    page = client.get(url)
    assert page.status_code == 200, page.content[:500]
    form = page.context["form"]
    data = {field.name: field.value() or "" for field in form.hidden_fields()}
    if allow:
        data["allow"] = "on"
    if patient is not None:
        data["patient"] = str(patient.pk)
    return client.post(url, data)


def exchange(app, code: str, verifier: str | None, **headers):
    """The token endpoint's response to the code (and verifier); `headers` as Django's test client takes them."""
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": app.application.client_id,
    }
    if verifier is not None:
        data["code_verifier"] = verifier
    return Client().post("/fhir/auth/token", data, **headers)
