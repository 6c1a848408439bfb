"""Schemathesis over /api/v1/rems and /api/v1/therapy as a prescriber (who may do everything
there), with a charted session, a form and notes in the database: no input causes a server error."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from ketacare.accounts.models import ApiToken
from ketacare.rems import actions
from ketacare.testing.api_schema import api_schema
from ketacare.therapy import actions as therapy_actions

schema = api_schema().include(path_regex="^/api/v1/(rems|therapy)/")


@pytest.fixture
def prescriber_token(staff, patient, make_chart, certified, enrolled):
    """As in ketacare/tests/test_api_fuzz.py: schemathesis calls the WSGI app directly, so the
    test's connection is kept open while it runs."""
    actions.do_create_form_from_session(staff["nurse"], make_chart().pk)
    therapy_actions.do_create_psychotherapy_note(staff["prescriber"], patient.pk, text="Note")
    secret = ApiToken.new_secret()
    ApiToken.objects.create(
        user=staff["prescriber"], name="fuzz", token_sha256=ApiToken.hash(secret), prefix=secret[:8]
    )
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield secret
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_as_prescriber(case, prescriber_token):
    response = case.call(headers={"Authorization": f"Bearer {prescriber_token}"})
    case.validate_response(response, checks=[not_a_server_error])
