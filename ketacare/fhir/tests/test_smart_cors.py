"""CORS for browser-based SMART apps (fhir/smart/cors.py): the origin of a registered app's redirect URI may
call the token endpoint and /fhir/ (preflight included) with a bearer token; any origin may read the discovery
documents; no other origin, no signed-in page and not the authorize page ever answer cross-origin, and
credentials (cookies) are never allowed."""

import pytest
from django.test import Client

from ketacare.fhir.smart.actions import do_register_smart_app
from ketacare.fhir.tests.smart_clients import APP_ORIGIN, authorize_url, consent, exchange, pkce, redirect_params

ALLOW_ORIGIN = "Access-Control-Allow-Origin"


def preflight(path: str, origin: str, method: str = "GET", headers: str = "authorization, prefer, accept"):
    return Client().options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def listed(response, header: str) -> set[str]:
    return {value.strip().lower() for value in response.get(header, "").split(",") if value.strip()}


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/fhir/Observation", "GET"),
        ("/fhir/Patient/1", "GET"),
        ("/fhir/auth/token", "POST"),
        ("/fhir/bulk-status/abc123", "DELETE"),
    ],
)
def test_a_preflight_from_a_registered_apps_origin_is_answered(smart_app, path, method):
    response = preflight(path, APP_ORIGIN, method, "authorization, content-type, prefer, accept")
    assert response.status_code == 200  # neither CSRF nor the CSP middleware stands in the way
    assert response[ALLOW_ORIGIN] == APP_ORIGIN
    assert {"get", "post", "delete"} <= listed(response, "Access-Control-Allow-Methods")
    assert {"authorization", "content-type", "prefer", "accept"} <= listed(response, "Access-Control-Allow-Headers")
    assert "Access-Control-Allow-Credentials" not in response
    assert "origin" in listed(response, "Vary")


def test_an_unregistered_origin_gets_no_cors_headers(smart_app, staff, bearer):
    for origin in ("https://evil.example", "https://app.example.evil.example", "http://app.example"):
        response = preflight("/fhir/Observation", origin)
        assert ALLOW_ORIGIN not in response, origin
        assert "Access-Control-Allow-Methods" not in response, origin
        read = Client().get("/fhir/Patient", HTTP_ORIGIN=origin, HTTP_AUTHORIZATION=bearer(staff["nurse"]))
        assert read.status_code == 200
        assert ALLOW_ORIGIN not in read, origin


def test_an_apps_loopback_redirect_allows_that_port_only(staff):
    do_register_smart_app(
        staff["clinic_admin"],
        name="Desktop app",
        redirect_uris="http://localhost:8080/cb",
        client_type="public",
        allowed_scopes="user/*.rs",
    )
    assert preflight("/fhir/Patient", "http://localhost:8080")[ALLOW_ORIGIN] == "http://localhost:8080"
    assert ALLOW_ORIGIN not in preflight("/fhir/Patient", "http://localhost:9090")


def test_signed_in_pages_and_the_authorize_page_never_answer_cross_origin(smart_app, staff, signed_in):
    client = signed_in(staff["clinic_admin"])
    _, challenge = pkce()
    for path in (
        "/clinic/smart-apps/",
        "/patients/",
        "/api/v1/patients",
        authorize_url(smart_app, "user/*.rs", challenge),
    ):
        response = client.get(path, HTTP_ORIGIN=APP_ORIGIN)
        assert ALLOW_ORIGIN not in response, path
        assert "Access-Control-Allow-Credentials" not in response, path
        assert ALLOW_ORIGIN not in preflight(path, APP_ORIGIN), path
    # Even /fhir/ read with the session cookie: the header is there only for bearer-token clients to use, and
    # a browser never sends another site's request with cookies the server has not allowed (no credentials).
    session_read = client.get("/fhir/Patient", HTTP_ORIGIN=APP_ORIGIN)
    assert "Access-Control-Allow-Credentials" not in session_read


def test_the_token_endpoint_answers_the_apps_origin_and_reads_follow(smart_app, staff, signed_in):
    verifier, challenge = pkce()
    code = redirect_params(consent(signed_in(staff["nurse"]), authorize_url(smart_app, "user/*.rs", challenge)))["code"]
    token_response = exchange(smart_app, code, verifier, HTTP_ORIGIN=APP_ORIGIN)
    assert token_response.status_code == 200, token_response.content
    assert token_response[ALLOW_ORIGIN] == APP_ORIGIN
    assert "Access-Control-Allow-Credentials" not in token_response
    token = token_response.json()["access_token"]
    bundle = Client().get("/fhir/Patient", HTTP_ORIGIN=APP_ORIGIN, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert bundle.status_code == 200
    assert bundle[ALLOW_ORIGIN] == APP_ORIGIN
    assert {"content-location", "x-progress", "retry-after", "location"} <= listed(
        bundle, "Access-Control-Expose-Headers"
    )
    # A refusal is readable too, so the app can tell the user why.
    refused = Client().get("/fhir/Patient", HTTP_ORIGIN=APP_ORIGIN, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert refused.status_code == 401 and refused[ALLOW_ORIGIN] == APP_ORIGIN


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/smart-configuration",
        "/fhir/.well-known/smart-configuration",
        "/fhir/metadata",
        "/fhir/.well-known/openid-configuration",
        "/fhir/.well-known/jwks.json",
    ],
)
def test_discovery_documents_are_readable_from_any_origin(db, path):
    response = Client().get(path, HTTP_ORIGIN="https://any-app.example")
    assert response.status_code == 200
    assert response[ALLOW_ORIGIN] in ("https://any-app.example", "*")
    assert "Access-Control-Allow-Credentials" not in response
