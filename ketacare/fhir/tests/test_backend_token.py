"""SMART Backend Services: a registered client's signed assertion gets a short-lived system token, and
anything else is refused with an RFC 6749 error (and audited)."""

import hashlib
import json
import time

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.fhir.backend.actions import do_disable_backend_client
from ketacare.fhir.tests.backend_clients import access_token, assertion, new_key, register, request_token


@pytest.fixture
def key():
    return new_key("EC")


@pytest.fixture
def client_of(staff):
    def make(key, scopes="system/*.rs"):
        return register(staff["clinic_admin"], key, scopes)

    return make


@pytest.mark.parametrize("kind", ["EC", "RSA"])
def test_a_signed_assertion_gets_a_five_minute_token_of_the_service_account(staff, kind):
    key = new_key(kind)
    client = register(staff["clinic_admin"], key, "system/*.rs")
    response = request_token(assertion(client.client_id, key), "system/Patient.rs system/Observation.rs")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 300
    assert body["scope"] == "system/Patient.rs system/Observation.rs"
    assert "no-store" in response["Cache-Control"]
    token = AccessToken.objects.get(token_checksum=hashlib.sha256(body["access_token"].encode()).hexdigest())
    assert token.token == ""  # kept as its hash only (RFC 9700)
    assert token.user == client.service_account and token.application == client.application
    assert 290 <= (token.expires.timestamp() - time.time()) <= 300
    assert client.service_account.role == "backend_service" and not client.service_account.has_usable_password()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor=client.service_account).exists()
    # The token reads FHIR as the service account, within its scopes.
    read = Client().get("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert read.status_code == 200, read.content


def refused(response, error: str, status: int = 401) -> str:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == error
    return body["error_description"]


def test_an_assertion_signed_with_a_key_not_in_the_jwks_is_refused(client_of, key):
    client = client_of(key)
    description = refused(request_token(assertion(client.client_id, new_key("EC"))), "invalid_client")
    assert "not signed" in description
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).latest("sequence")
    assert entry.detail["client_id"] == client.client_id and entry.detail["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


def test_a_replayed_assertion_is_refused(client_of, key):
    client = client_of(key)
    signed = assertion(client.client_id, key)
    assert request_token(signed).status_code == 200
    assert "used already" in refused(request_token(signed), "invalid_client")
    assert AccessToken.objects.count() == 1


def test_an_expired_assertion_or_one_that_lives_too_long_is_refused(client_of, key):
    client = client_of(key)
    now = int(time.time())
    assert "expired" in refused(request_token(assertion(client.client_id, key, exp=now - 5)), "invalid_client")
    assert "five minutes" in refused(request_token(assertion(client.client_id, key, exp=now + 3600)), "invalid_client")
    assert "jti" in refused(request_token(assertion(client.client_id, key, jti=None)), "invalid_client")


def test_wrong_issuer_subject_or_audience_is_refused(client_of, key):
    client = client_of(key)
    assert "aud" in refused(
        request_token(assertion(client.client_id, key, aud="https://elsewhere.example/token")), "invalid_client"
    )
    assert "sub" in refused(request_token(assertion(client.client_id, key, sub="someone")), "invalid_client")
    assert "No client" in refused(request_token(assertion("unknown-client", key)), "invalid_client")


def test_a_scope_beyond_the_clients_or_not_a_system_scope_is_refused(client_of, key):
    client = client_of(key, "system/Patient.rs")
    assert "beyond" in refused(
        request_token(assertion(client.client_id, key), "system/Observation.rs"), "invalid_scope", 400
    )
    assert "system/" in refused(request_token(assertion(client.client_id, key), "user/*.rs"), "invalid_scope", 400)
    refused(request_token(assertion(client.client_id, key), "system/Patient.cruds"), "invalid_scope", 400)
    assert not AccessToken.objects.exists()


def test_a_disabled_client_gets_no_token_and_its_tokens_stop(client_of, key, staff):
    client = client_of(key)
    token = access_token(client, key)
    do_disable_backend_client(staff["clinic_admin"], client.pk)
    assert "disabled" in refused(request_token(assertion(client.client_id, key)), "invalid_client")
    assert Client().get("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_garbage_and_the_wrong_grant_type_are_refused_as_json(client_of, key):
    client = client_of(key)
    refused(request_token("not.a.jwt"), "invalid_client")
    refused(request_token("nonsense"), "invalid_client")
    refused(request_token(assertion(client.client_id, key), grant_type="password"), "unsupported_grant_type", 400)


@pytest.mark.parametrize(
    ("jwks", "field_message"),
    [
        ("not json", "not JSON"),
        ('{"keys": []}', "JWK Set"),
        ('{"keys": [{"kty": "oct", "k": "abc"}]}', "RSA or EC"),
    ],
)
def test_registration_refuses_bad_keys_naming_the_field(staff, jwks, field_message):
    from django.core.exceptions import ValidationError

    from ketacare.fhir.backend.actions import do_register_backend_client

    with pytest.raises(ValidationError) as raised:
        do_register_backend_client(staff["clinic_admin"], name="X", jwks=jwks, scopes="system/*.rs")
    assert field_message in " ".join(raised.value.message_dict["jwks"])


def test_registration_refuses_a_private_key_and_non_system_scopes(staff, key):
    from django.core.exceptions import ValidationError

    from ketacare.fhir.backend.actions import do_register_backend_client

    private = json.dumps({"keys": [key.export_private(as_dict=True)]})
    with pytest.raises(ValidationError) as raised:
        do_register_backend_client(staff["clinic_admin"], name="X", jwks=private, scopes="system/*.rs")
    assert "private key" in raised.value.message_dict["jwks"][0]
    with pytest.raises(ValidationError) as raised:
        register(staff["clinic_admin"], key, "patient/*.rs")
    assert "scopes" in raised.value.message_dict
