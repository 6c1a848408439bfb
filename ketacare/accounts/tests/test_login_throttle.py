"""Password spraying: failed sign-ins are limited per address too, without locking out a clinic's NAT."""

import pytest
from axes.models import AccessFailureLog

from ketacare.accounts.domain.roles import Role

LOGIN_URL = "/accounts/login/"
ATTACKER = "203.0.113.50"
COLLEAGUE = "198.51.100.20"


@pytest.fixture
def sign_in(client):
    return lambda username, typed, address: client.post(
        LOGIN_URL, {"username": username, "password": typed}, REMOTE_ADDR=address
    )


@pytest.fixture
def sprayed(org, settings, sign_in):
    """30 wrong passwords on 30 different usernames from one address; returns their status codes."""
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    return [sign_in(f"user{number}", "Winter2026!", ATTACKER).status_code for number in range(30)]


def test_spraying_many_usernames_from_one_address_is_refused_after_the_limit(sprayed):
    assert sprayed == [200] * 10 + [429] * 20
    # Refused before any password was checked: no further failures were counted.
    assert AccessFailureLog.objects.filter(ip_address=ATTACKER).count() == 10


def test_a_right_guess_from_the_sprayed_address_is_refused_too(sprayed, staff, password, sign_in, client):
    response = sign_in("nurse_harbor", password, ATTACKER)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_colleague_elsewhere_still_signs_in(sprayed, staff, password, sign_in, client):
    assert sign_in("nurse_harbor", password, COLLEAGUE).status_code == 302
    assert client.session["_auth_user_id"] == str(staff["nurse"].pk)


def test_a_colleague_who_signed_in_from_the_shared_address_before_is_not_held(
    org, settings, staff, password, client, sign_in, make_user
):
    # The clinic's NAT: the nurse signed in from it before, then an attacker on it sprays.
    assert sign_in("nurse_harbor", password, ATTACKER).status_code == 302
    client.logout()
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    for number in range(15):
        sign_in(f"user{number}", "Winter2026!", ATTACKER)
    assert sign_in("nurse_harbor", password, ATTACKER).status_code == 302
    client.logout()
    newcomer = make_user(org, Role.NURSE, "new_nurse_harbor")
    assert sign_in(newcomer.username, password, ATTACKER).status_code == 429


def test_forged_forwarded_for_entries_do_not_escape_the_limit(org, client, settings):
    # Behind one trusted proxy; the sprayer puts a new address of its own choosing in front each time.
    settings.TRUSTED_PROXY_HOPS = 1
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    statuses = [
        client.post(
            LOGIN_URL,
            {"username": f"user{number}", "password": "Winter2026!"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, {ATTACKER}",
        ).status_code
        for number in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    assert set(AccessFailureLog.objects.values_list("ip_address", flat=True)) == {ATTACKER}
