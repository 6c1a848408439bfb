"""Schemathesis over the whole OpenAPI schema: no input may cause a server error.

Runs through the WSGI app in-process (the test database), once anonymously and
once with a clinic admin's bearer token so the authenticated endpoints are
exercised past their auth check.
"""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from ketacare.accounts.models import ApiToken
from ketacare.testing.api_schema import api_schema


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Schemathesis calls the WSGI app directly, which fires request_started and
    request_finished; their close_old_connections would close the connection that
    holds the test's transaction (on PostgreSQL). Django's own test client detaches
    it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loading the schema needs no database: /api/v1/openapi.json is static.
schema = api_schema()


@pytest.fixture
def admin_token(staff, patient):
    secret = ApiToken.new_secret()
    ApiToken.objects.create(
        user=staff["clinic_admin"], name="fuzz", token_sha256=ApiToken.hash(secret), prefix=secret[:8]
    )
    return secret


def _is_protected(operation) -> bool:
    return bool(operation.definition.raw.get("security"))


def _is_public(context) -> bool:
    return not _is_protected(context.operation)


# Anonymous input reaches the parsers only on the public endpoints: a protected one checks its credentials
# first (ninja authenticates before it reads the input), so fuzzing it anonymously would send the same refusal
# many times. The public endpoints are fuzzed in full; every protected operation is called once without
# credentials (well-typed path parameters, no body) and must refuse: one request each, not generated cases.
@schema.include(func=_is_public).parametrize()
@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_anonymous(case, db):
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])


def _well_typed(parameter) -> object:
    declared = parameter.definition.get("schema", {})
    return 1 if declared.get("type") == "integer" else "1"


def test_every_protected_operation_refuses_an_anonymous_caller(db):
    operations = [result.ok() for result in schema.get_all_operations()]
    protected = [operation for operation in operations if _is_protected(operation)]
    assert len(protected) > 150, "the schema's protected operations were not found"
    wrong = []
    for operation in protected:
        case = operation.Case(path_parameters={p.name: _well_typed(p) for p in operation.path_parameters})
        # 401 without credentials; 403 for a write without a CSRF token. Never an answer, never a server error.
        status = case.call().status_code
        if status not in (401, 403):
            wrong.append(f"{operation.method.upper()} {operation.path}: {status}")
    assert not wrong, "\n".join(wrong)


# 15 random cases per endpoint on top of schemathesis' boundary cases (its coverage phase: empty, huge, 2^63 ids).
@schema.parametrize()
@hypothesis_settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_as_clinic_admin(case, admin_token):
    response = case.call(headers={"Authorization": f"Bearer {admin_token}"})
    case.validate_response(response, checks=[not_a_server_error])
