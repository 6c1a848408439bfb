"""Schemathesis over the ledger endpoints as a nurse (who may record), with stock in place:
no input causes a server error, and every response matches its documented schema and status."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from ketacare.accounts.models import ApiToken

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
    path_regex="^/api/v1/ledger/"
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # As in ketacare/tests/test_api_fuzz.py: keep the connection that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def nurse_token(staff, vial, patient):
    secret = ApiToken.new_secret()
    ApiToken.objects.create(user=staff["nurse"], name="fuzz", token_sha256=ApiToken.hash(secret), prefix=secret[:8])
    return secret


@schema.parametrize()
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_ledger_api_never_errors(case, nurse_token):
    response = case.call(headers={"Authorization": f"Bearer {nurse_token}"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance, status_code_conformance])
