"""Signing in through the real login page: audit entries and lockout (django-axes)."""

import pytest
from django.conf import settings

from ketacare.audit.models import AuditAction, AuditEntry

LOGIN_URL = "/accounts/login/"


@pytest.fixture
def log_in(client, password):
    """log_in(username, typed=the personas' password) -> the login page's answer to the test client."""
    return lambda username, typed=password: client.post(LOGIN_URL, {"username": username, "password": typed})


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_the_login_page_signs_a_user_in_with_username_and_password(client, staff, log_in):
    response = log_in("front_desk_harbor")
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(staff["front_desk"].pk)


def test_a_successful_login_is_audited_with_the_source_address(client, staff, log_in):
    log_in("front_desk_harbor")
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN)
    assert (entry.actor, entry.organisation, entry.source_address) == (
        staff["front_desk"],
        staff["front_desk"].organisation,
        "127.0.0.1",
    )


def test_a_wrong_password_is_refused_and_audited(client, staff, log_in):
    response = log_in("nurse_harbor", "wrong password")
    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    assert "Please enter a correct username and password" in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.actor is None
    assert entry.detail == {"username": "nurse_harbor"}
    assert entry.source_address == "127.0.0.1"
    assert (entry.object_type, entry.object_id) == ("accounts.user", str(staff["nurse"].pk))
    assert entry.organisation == staff["nurse"].organisation


def test_a_failed_login_for_an_unknown_username_is_audited_too(client, db, log_in):
    log_in("no_such_user", "guess")
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.detail == {"username": "no_such_user"}
    assert (entry.organisation, entry.object_id) == (None, "")


def test_the_password_is_never_written_to_the_trail(client, staff, log_in):
    log_in("nurse_harbor", "hunter2-secret")
    assert not AuditEntry.objects.filter(detail__icontains="hunter2").exists()


def test_logout_is_audited(client, staff, log_in):
    log_in("front_desk_harbor")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert signed_in_user_id(client) is None
    entry = AuditEntry.objects.get(action=AuditAction.LOGOUT)
    assert (entry.actor, entry.source_address) == (staff["front_desk"], "127.0.0.1")


def test_logout_needs_a_post(client, staff, log_in):
    log_in("front_desk_harbor")
    assert client.get("/accounts/logout/").status_code == 405
    assert signed_in_user_id(client) == str(staff["front_desk"].pk)


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, staff, log_in):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert log_in("nurse_harbor", "wrong").status_code == 200
    # The failure that reaches the limit is answered with the lockout page already.
    assert log_in("nurse_harbor", "wrong").status_code == 429
    response = log_in("nurse_harbor")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert signed_in_user_id(client) is None
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN).count() == 0


def test_a_lockout_is_per_username(client, staff, log_in):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in("nurse_harbor", "wrong")
    assert log_in("front_desk_harbor").status_code == 302


def test_the_limit_comes_from_settings(client, staff, settings, log_in):
    settings.AXES_FAILURE_LIMIT = 2
    log_in("nurse_harbor", "wrong")
    assert log_in("nurse_harbor", "wrong").status_code == 429


def test_a_success_before_the_limit_resets_the_count(client, staff, log_in):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in("front_desk_harbor", "wrong")
    assert log_in("front_desk_harbor").status_code == 302
    client.post("/accounts/logout/")
    log_in("front_desk_harbor", "wrong")
    assert log_in("front_desk_harbor").status_code == 302
