"""A SMART Backend Services client for tests: its key pair, its registration, its signed assertions and tokens."""

import json
import time
import uuid

from django.test import Client
from jwcrypto import jwk, jwt

from ketacare.fhir.backend.actions import do_register_backend_client
from ketacare.fhir.backend.token import JWT_BEARER

TOKEN_URL = "http://testserver/fhir/auth/token"


def new_key(kind: str = "EC") -> jwk.JWK:
    """A private key: EC P-384 (ES384) or RSA 2048 (RS384)."""
    if kind == "EC":
        return jwk.JWK.generate(kty="EC", crv="P-384", kid=uuid.uuid4().hex)
    return jwk.JWK.generate(kty="RSA", size=2048, kid=uuid.uuid4().hex)


def public_jwks(*keys: jwk.JWK) -> str:
    return json.dumps({"keys": [key.export_public(as_dict=True) for key in keys]})


def register(admin, key: jwk.JWK, scopes: str = "system/*.rs", name: str = "Warehouse"):
    return do_register_backend_client(admin, name=name, jwks=public_jwks(key), scopes=scopes)


def assertion(client_id: str, key: jwk.JWK, **claims) -> str:
    """A signed client assertion; `claims` override the valid defaults (None removes one)."""
    now = int(time.time())
    body = {"iss": client_id, "sub": client_id, "aud": TOKEN_URL, "exp": now + 240, "jti": uuid.uuid4().hex}
    body.update(claims)
    body = {name: value for name, value in body.items() if value is not None}
    algorithm = "ES384" if key.key_type == "EC" else "RS384"
    token = jwt.JWT(header={"alg": algorithm, "kid": key.key_id, "typ": "JWT"}, claims=body)
    token.make_signed_token(key)
    return token.serialize()


def request_token(signed_assertion: str, scope: str = "system/*.rs", **extra):
    """POST /fhir/auth/token as a backend client does."""
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": signed_assertion,
        "scope": scope,
        **extra,
    }
    return Client().post("/fhir/auth/token", data)


def access_token(client, key: jwk.JWK, scope: str = "system/*.rs") -> str:
    response = request_token(assertion(client.client_id, key), scope)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]
