"""The REST API of sessions: the main steps, explicit errors, access, and a fuzz run as a nurse."""

from decimal import Decimal

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from ketacare.accounts.models import ApiToken
from ketacare.ledger.models import Vial
from ketacare.treatments.models import SessionStatus

pytestmark = pytest.mark.django_db


def token_for(user) -> dict:
    secret = ApiToken.new_secret()
    ApiToken.objects.create(user=user, name="t", token_sha256=ApiToken.hash(secret), prefix=secret[:8])
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post(client, url, auth, body=None):
    return client.post(f"/api/v1/sessions{url}", body or {}, content_type="application/json", **auth)


def test_iv_session_through_the_api(client, staff, other_staff, iv_world, clock, portland, password):
    nurse, prescriber = token_for(staff["nurse"]), token_for(staff["prescriber"])
    day = client.get("/api/v1/sessions/day", {"location_id": portland.pk}, **nurse)
    assert day.status_code == 200 and day.json()[0]["session_id"] is None
    response = post(client, "", nurse, {"appointment_id": iv_world["appointment"].pk})
    assert response.status_code == 201
    sid = response.json()["id"]
    for item in ("identity", "questionnaires", "fasting", "driver", "interacting_medicines"):
        assert post(client, f"/{sid}/checks", nurse, {"item": item, "passed": True}).status_code == 200
    bad = post(client, f"/{sid}/checks", nurse, {"item": "weight", "passed": True, "weight_kg": 900})
    assert bad.status_code == 422 and "weight_kg" in str(bad.json())
    post(client, f"/{sid}/checks", nurse, {"item": "weight", "passed": True, "weight_kg": "70"})
    post(
        client,
        f"/{sid}/vitals",
        nurse,
        {"systolic_mmhg": 150, "diastolic_mmhg": 85, "heart_rate_bpm": 80, "spo2_percent": 97},
    )
    assert post(client, f"/{sid}/prechecks", nurse).json()["status"] == SessionStatus.HELD
    assert post(client, f"/{sid}/override", nurse, {"reason": "x"}).status_code == 403
    body = post(client, f"/{sid}/override", prescriber, {"reason": "Repeat 138/84 after rest"}).json()
    assert body["status"] == SessionStatus.PRECHECKS_DONE
    dose = {"vial_id": iv_world["vial"].pk, **iv_world["second_check"]}
    refused = post(client, f"/{sid}/dose", nurse, {**dose, "checker_password": "wrong"})
    assert refused.status_code == 422 and "checker_password" in str(refused.json())
    body = post(client, f"/{sid}/dose", nurse, dose).json()
    preparation = body["preparations"][0]
    assert Decimal(preparation["dose_mg"]) == 35 and Decimal(preparation["volume_ml"]) == Decimal("0.7")
    waste = post(
        client,
        f"/{sid}/waste",
        nurse,
        {
            "preparation_id": preparation["id"],
            "quantity_mg": "465",
            "witness_id": staff["prescriber"].pk,
            "witness_password": password,
            "reason": "Remainder",
        },
    )
    assert waste.status_code == 200 and Vial.objects.get(pk=iv_world["vial"].pk).balance_mg == 0
    assert post(client, f"/{sid}/administration/start", nurse).json()["status"] == SessionStatus.ADMINISTERING
    assert post(client, f"/{sid}/ratings", nurse, {"instrument": "moaas", "answers": {"1": 5}}).status_code == 200
    assert post(client, f"/{sid}/administration/stop", nurse).json()["status"] == SessionStatus.OBSERVING
    refused = post(
        client,
        f"/{sid}/discharge",
        nurse,
        {"alert": True, "walking_steadily": True, "accompanied_home": True, "escort_name": "Sam"},
    )
    assert refused.status_code == 422
    assert {d["loc"][-1] for d in refused.json()["detail"]} == {"vitals", "observation"}
    # Other organisation: not found; other role: forbidden.
    assert client.get(f"/api/v1/sessions/{sid}", **token_for(other_staff["nurse"])).status_code == 404
    assert client.get(f"/api/v1/sessions/{sid}", **token_for(staff["front_desk"])).status_code == 403
    assert (
        post(
            client,
            f"/{sid}/vitals",
            token_for(staff["therapist"]),
            {"systolic_mmhg": 120, "diastolic_mmhg": 80, "heart_rate_bpm": 70, "spo2_percent": 98},
        ).status_code
        == 403
    )


@pytest.fixture
def _keep_the_test_connection():
    """As in ketacare/tests/test_api_fuzz.py: schemathesis calls the WSGI app directly."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
    path_regex="^/api/v1/sessions"
)


@pytest.fixture
def nurse_token(staff, iv_world, _keep_the_test_connection):
    return token_for(staff["nurse"])["HTTP_AUTHORIZATION"]


@schema.parametrize()
@hypothesis_settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_as_nurse(case, nurse_token):
    response = case.call(headers={"Authorization": nurse_token})
    case.validate_response(response, checks=[not_a_server_error])
