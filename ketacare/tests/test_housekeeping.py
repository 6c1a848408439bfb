"""`ketacare housekeeping` (lib/housekeeping.py and the tasks accounts and fhir register): expired sessions,
django-oauth-toolkit's expired tokens and grants, and SMART launches left without a token are removed; live
sessions and tokens, audit entries and clinical rows stay; the counts are printed."""

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken

from ketacare.accounts.models import UserSession
from ketacare.accounts.sessions import SessionStore
from ketacare.audit.models import AuditEntry
from ketacare.fhir.smart.actions import do_register_smart_app
from ketacare.fhir.smart.models import SmartLaunch
from ketacare.lib.management.commands import serve
from ketacare.patients.models import Patient

pytestmark = pytest.mark.django_db


def housekeeping(*args: str) -> str:
    out = StringIO()
    call_command("housekeeping", *args, stdout=out)
    return out.getvalue()


def make_session(user, expires_at: dt.datetime) -> str:
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    UserSession.objects.filter(session_key=store.session_key).update(expire_date=expires_at)
    return store.session_key


def test_expired_sessions_go_and_live_ones_stay(staff):
    now = timezone.now()
    make_session(staff["nurse"], now - dt.timedelta(minutes=1))
    live = make_session(staff["prescriber"], now + dt.timedelta(hours=1))
    printed = housekeeping()
    assert "expired sessions 1" in printed
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [live]


class OAuthWorld:
    """An app's tokens, codes and launches, each either dead or still usable."""


@pytest.fixture
def oauth_world(staff, patient):
    now = timezone.now()
    app, _ = do_register_smart_app(
        staff["clinic_admin"],
        name="Mood diary",
        redirect_uris="https://app.example/callback",
        client_type="public",
        allowed_scopes="launch/patient patient/*.rs offline_access",
    )
    application, nurse = app.application, staff["nurse"]
    month = dt.timedelta(days=31)  # past KETACARE_SMART_REFRESH_TOKEN_DAYS (30)

    def access_token(name: str, expires: dt.datetime) -> AccessToken:
        return AccessToken.objects.create(
            user=nurse, application=application, token=name, expires=expires, scope="patient/*.rs"
        )

    def grant(code: str, expires: dt.datetime) -> Grant:
        return Grant.objects.create(
            user=nurse, application=application, code=code, expires=expires, redirect_uri="https://app.example/cb"
        )

    def launch(code: str, age: dt.timedelta, **tokens) -> SmartLaunch:
        made = SmartLaunch.objects.create(application=application, user=nurse, patient=patient, code=code, **tokens)
        SmartLaunch.objects.filter(pk=made.pk).update(created_at=now - age)
        return made

    world = OAuthWorld()
    world.expired_access = access_token("expired-access", now - dt.timedelta(minutes=1))
    world.live_access = access_token("live-access", now + dt.timedelta(minutes=30))
    # An access token expired an hour ago whose refresh token still works: both stay.
    world.refreshable_access = access_token("refreshable-access", now - dt.timedelta(hours=1))
    world.live_refresh = RefreshToken.objects.create(
        user=nurse, application=application, token="live-refresh", access_token=world.refreshable_access
    )
    # A refresh token unused for longer than refresh tokens last: it and its access token go.
    world.dormant_access = access_token("dormant-access", now - month)
    world.dormant_refresh = RefreshToken.objects.create(
        user=nurse, application=application, token="dormant-refresh", access_token=world.dormant_access
    )
    world.expired_id_token = IDToken.objects.create(
        user=nurse, application=application, jti="4c2a7f1e-0d4b-4c8e-9a55-0f3d1f0e9b11", expires=now - month
    )
    world.expired_grant = grant("expired-code", now - dt.timedelta(minutes=10))
    world.live_grant = grant("live-code", now + dt.timedelta(seconds=50))
    world.launch_never_exchanged = launch("expired-code", dt.timedelta(hours=1))
    world.launch_being_exchanged = launch("live-code", dt.timedelta(seconds=10))
    world.launch_with_live_token = launch("used-code", dt.timedelta(days=2), access_token=world.live_access)
    world.launch_refreshable = launch("other-code", dt.timedelta(days=2), refresh_token=world.live_refresh)
    return world


def test_dead_oauth_rows_and_launches_go_live_tokens_stay_and_counts_are_printed(oauth_world, patient):
    world = oauth_world
    audit_before, patients_before = AuditEntry.objects.count(), Patient.objects.count()

    printed = housekeeping()

    assert printed.strip() == (
        "removed: expired sessions 0, OAuth refresh tokens 1, OAuth access tokens 2, OpenID id tokens 1, "
        "OAuth authorization codes 1, SMART launches without a token 1"
    )
    assert set(AccessToken.objects.values_list("token", flat=True)) == {"live-access", "refreshable-access"}
    assert set(RefreshToken.objects.values_list("token", flat=True)) == {"live-refresh"}
    assert not IDToken.objects.exists()
    assert set(Grant.objects.values_list("code", flat=True)) == {"live-code"}
    assert set(SmartLaunch.objects.values_list("pk", flat=True)) == {
        world.launch_being_exchanged.pk,
        world.launch_with_live_token.pk,
        world.launch_refreshable.pk,
    }
    # Never the audit trail nor a clinical row.
    assert (AuditEntry.objects.count(), Patient.objects.count()) == (audit_before, patients_before)
    # A second pass finds nothing left to remove.
    assert housekeeping().strip() == (
        "removed: expired sessions 0, OAuth refresh tokens 0, OAuth access tokens 0, OpenID id tokens 0, "
        "OAuth authorization codes 0, SMART launches without a token 0"
    )


def test_running_on_prints_a_pass_that_removed_something(oauth_world):
    # The loop's first pause ends it, as Ctrl-C does (the loop's own clock only: the toolkit pauses too).
    with mock.patch("ketacare.lib.commands.time") as clock:
        clock.sleep.side_effect = KeyboardInterrupt
        printed = housekeeping("--every", "3600")
        assert printed.startswith("removed: expired sessions 0, OAuth refresh tokens 1")
        assert housekeeping("--every", "3600") == ""  # a quiet pass prints nothing
        assert clock.sleep.call_args_list == [mock.call(3600)] * 2


def test_serve_in_demo_mode_runs_the_housekeeping_beside_the_server():
    with mock.patch.object(serve.subprocess, "Popen") as popen:
        serve.start_demo_dispatcher()
    commands = [call.args[0][3:] for call in popen.call_args_list]
    assert ["housekeeping", "--every", str(serve.DEMO_HOUSEKEEPING_EVERY_SECONDS)] in commands
