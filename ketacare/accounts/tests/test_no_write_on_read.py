"""A signed-in read writes nothing (issue 19, item 1): no session save, no token stamp, no 2FA re-read
on every request. What is kept is written at most once a minute."""

import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.accounts.actions import do_create_api_token
from ketacare.accounts.models import ApiToken

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
# Not audited (no chart is read): a signed-in page whose only work is the session and the user.
NON_AUDITED_PAGE = "/accounts/tokens/"
API_URL = "/api/v1/protocols/templates"  # not audited


def writes_during(action) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        action()
    return [query["sql"] for query in queries.captured_queries if WRITE.match(query["sql"])]


@pytest.mark.parametrize("role", ["nurse", "prescriber", "clinic_admin"])
def test_a_signed_in_staff_get_of_a_non_audited_page_writes_nothing(client, staff, signed_in, role):
    signed_in(staff[role])
    assert client.get(NON_AUDITED_PAGE).status_code == 200  # the first request starts the idle clock

    def read():
        assert client.get(NON_AUDITED_PAGE).status_code == 200

    assert writes_during(read) == []


def test_the_second_request_reads_the_two_factor_state_from_the_session(client, staff, signed_in):
    """A nurse without a device (not required one): the device tables are read once, not per request."""
    signed_in(staff["nurse"])
    client.get(NON_AUDITED_PAGE)
    with CaptureQueriesContext(connection) as queries:
        client.get(NON_AUDITED_PAGE)
    assert not [query for query in queries.captured_queries if "otp_" in query["sql"]]


def test_the_idle_clock_is_written_once_a_minute_not_on_every_request(client, staff, signed_in):
    signed_in(staff["nurse"])
    client.get(NON_AUDITED_PAGE)
    first_seen = client.session["last_seen_at"]
    client.get(NON_AUDITED_PAGE)
    assert client.session["last_seen_at"] == first_seen
    session = client.session
    session["last_seen_at"] = time.time() - 61
    session.save()
    assert writes_during(lambda: client.get(NON_AUDITED_PAGE))  # older than a minute: written again
    assert time.time() - client.session["last_seen_at"] < 5


def test_an_api_get_with_a_token_does_not_write_on_the_second_call_within_a_minute(client, staff):
    _, secret = do_create_api_token(staff["clinic_admin"], "sync")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert writes_during(lambda: client.get(API_URL, **headers))  # the first call stamps last_used_at
    first_used = ApiToken.objects.get().last_used_at
    assert first_used is not None

    def read():
        assert client.get(API_URL, **headers).status_code == 200

    assert writes_during(read) == []
    assert ApiToken.objects.get().last_used_at == first_used


def test_a_device_confirmed_elsewhere_is_asked_for_within_a_minute(client, staff, signed_in):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    nurse = staff["nurse"]
    signed_in(nurse)
    client.get(NON_AUDITED_PAGE)  # remembers "no device" for a minute
    TOTPDevice.objects.create(user=nurse, name="phone", confirmed=True)  # confirmed in another browser
    session = client.session
    session["two_factor_no_device_checked"][1] -= 61
    session.save()
    response = client.get(NON_AUDITED_PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/verify/")


def test_an_admin_reset_of_two_factor_takes_effect_on_the_next_request(client, staff, signed_in):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    prescriber = staff["prescriber"]
    signed_in(prescriber)  # verified with the prescriber's device
    assert client.get(NON_AUDITED_PAGE).status_code == 200
    TOTPDevice.objects.filter(user=prescriber).delete()  # what "reset two-factor" does
    response = client.get(NON_AUDITED_PAGE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/"


def test_a_deactivated_user_is_turned_away_on_the_next_request(client, staff, signed_in):
    nurse = staff["nurse"]
    signed_in(nurse)
    assert client.get(NON_AUDITED_PAGE).status_code == 200
    nurse.is_active = False
    nurse.save(update_fields=["is_active"])
    response = client.get(NON_AUDITED_PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
