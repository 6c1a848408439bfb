"""SMART's OpenID Connect (`openid fhirUser profile`): an RS256 id_token that verifies against the published
JWKS and names the user's FHIR resource (Practitioner for staff, their own Patient for a patient), `aud` the
client id, `iss` the FHIR base URL, the app's nonce; the discovery documents; nothing of it without `openid`,
nor where no signing key is configured."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from jwcrypto import jwk, jwt

from ketacare.fhir.smart.actions import do_register_smart_app
from ketacare.fhir.tests.smart_clients import AUD, authorize_url, consent, exchange, pkce, redirect_params


def id_token_claims(id_token: str) -> dict:
    """The claims of an id_token whose signature verifies against /fhir/.well-known/jwks.json."""
    keys = jwk.JWKSet.from_json(Client().get("/fhir/.well-known/jwks.json").content)
    return json.loads(jwt.JWT(jwt=id_token, key=keys, algs=["RS256"]).claims)


def sign_in_with(signed_in, smart_app, user, scope: str, patient=None, **authorize_params) -> dict:
    verifier, challenge = pkce()
    url = authorize_url(smart_app, scope, challenge, **authorize_params)
    params = redirect_params(consent(signed_in(user), url, patient=patient))
    response = exchange(smart_app, params["code"], verifier)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_staff_members_id_token_names_their_practitioner_resource(staff, signed_in, smart_app):
    prescriber = staff["prescriber"]
    token = sign_in_with(signed_in, smart_app, prescriber, "openid fhirUser profile user/*.rs", nonce="n-0S6_WzA2Mj")
    claims = id_token_claims(token["id_token"])
    assert claims["fhirUser"] == f"{AUD}/Practitioner/{prescriber.pk}"
    assert claims["iss"] == AUD
    assert claims["aud"] == smart_app.application.client_id
    assert claims["sub"] == str(prescriber.pk)
    assert claims["nonce"] == "n-0S6_WzA2Mj"
    assert claims["name"] == prescriber.display_name
    # The claim is a URL the app can read with its access token.
    practitioner = Client().get(claims["fhirUser"], HTTP_AUTHORIZATION=f"Bearer {token['access_token']}")
    assert practitioner.status_code == 200, practitioner.content
    assert practitioner.json()["id"] == str(prescriber.pk)


def test_the_authorization_response_names_the_same_issuer(staff, signed_in, smart_app):
    """RFC 9207: the `iss` beside the code is the issuer of the discovery documents and the id_token."""
    _, challenge = pkce()
    params = redirect_params(
        consent(signed_in(staff["nurse"]), authorize_url(smart_app, "openid user/*.rs", challenge))
    )
    assert params["iss"] == AUD == Client().get("/.well-known/openid-configuration").json()["issuer"]
    assert params["state"] == "st4te" and params["code"]


def test_a_patients_id_token_names_their_own_patient_record(patient, signed_in, smart_app):
    token = sign_in_with(signed_in, smart_app, patient.user, "openid fhirUser launch/patient patient/*.rs")
    claims = id_token_claims(token["id_token"])
    assert claims["fhirUser"] == f"{AUD}/Patient/{patient.pk}"
    assert "nonce" not in claims  # none was sent
    assert "name" not in claims  # no profile scope
    assert token["patient"] == str(patient.pk)


def test_a_refresh_brings_a_new_id_token_for_the_same_user(staff, signed_in, smart_app):
    nurse = staff["nurse"]
    token = sign_in_with(signed_in, smart_app, nurse, "openid fhirUser offline_access user/*.rs")
    refreshed = Client().post(
        "/fhir/auth/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": smart_app.application.client_id,
        },
    )
    assert refreshed.status_code == 200, refreshed.content
    claims = id_token_claims(refreshed.json()["id_token"])
    assert claims["fhirUser"] == f"{AUD}/Practitioner/{nurse.pk}"
    assert claims["aud"] == smart_app.application.client_id


def test_openid_without_fhiruser_names_no_resource(staff, signed_in, smart_app):
    token = sign_in_with(signed_in, smart_app, staff["nurse"], "openid user/*.rs")
    claims = id_token_claims(token["id_token"])
    assert claims["sub"] == str(staff["nurse"].pk)
    assert "fhirUser" not in claims


def test_without_openid_there_is_no_id_token(staff, signed_in, smart_app):
    token = sign_in_with(signed_in, smart_app, staff["nurse"], "fhirUser user/*.rs")
    assert "id_token" not in token
    assert token["access_token"]


def test_the_consent_screen_explains_the_identity_scopes(staff, signed_in, smart_app):
    _, challenge = pkce()
    page = signed_in(staff["nurse"]).get(authorize_url(smart_app, "openid fhirUser profile user/*.rs", challenge))
    html = page.content.decode()
    assert "Know who you are" in html
    assert "Know which record is yours" in html
    assert "See your name" in html


def test_discovery_names_the_issuer_the_jwks_and_the_identity_scopes(client):
    for path in ("/.well-known/openid-configuration", "/fhir/.well-known/openid-configuration"):
        config = client.get(path).json()
        assert config["issuer"] == AUD  # where the id_token's iss points, and where /.well-known/ is found
        assert config["jwks_uri"] == f"{AUD}/.well-known/jwks.json"
        assert config["id_token_signing_alg_values_supported"] == ["RS256"]
        assert {"openid", "fhirUser", "profile"} <= set(config["scopes_supported"])
        assert "fhirUser" in config["claims_supported"]
    smart = client.get("/.well-known/smart-configuration").json()
    assert {"openid", "fhirUser"} <= set(smart["scopes_supported"])
    assert "sso-openid-connect" in smart["capabilities"]
    assert smart["jwks_uri"] == config["jwks_uri"]
    keys = client.get("/fhir/.well-known/jwks.json").json()["keys"]
    assert [(key["kty"], key["alg"], key["use"]) for key in keys] == [("RSA", "RS256", "sig")]
    assert "d" not in keys[0]  # the public half only


@pytest.fixture
def without_signing_key(settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ENABLED": False, "OIDC_RSA_PRIVATE_KEY": ""}


def test_without_a_signing_key_openid_is_not_offered(smart_app, without_signing_key, client, staff, signed_in):
    # smart_app was registered (with openid) while a key was configured; the key is gone since.
    smart = client.get("/.well-known/smart-configuration").json()
    assert "openid" not in smart["scopes_supported"] and "sso-openid-connect" not in smart["capabilities"]
    assert client.get("/.well-known/openid-configuration").status_code == 404
    _, challenge = pkce()
    refused = redirect_params(signed_in(staff["nurse"]).get(authorize_url(smart_app, "openid user/*.rs", challenge)))
    assert refused["error"] == "invalid_scope"
    with pytest.raises(ValidationError) as error:
        do_register_smart_app(
            staff["clinic_admin"],
            name="Identity app",
            redirect_uris="https://id.example/cb",
            client_type="public",
            allowed_scopes="openid fhirUser user/*.rs",
        )
    assert "KETACARE_OIDC_RSA_KEY_FILE" in str(error.value.message_dict["allowed_scopes"])
