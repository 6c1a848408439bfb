"""SMART `online_access` (SMART App Launch 2, scopes and launch context: a refresh token "usable for as long as
the end-user remains online"): its refresh token works while the session that authorized it is signed in, and
is refused (invalid_grant) once that session signed out, expired or (staff) idled past the automatic logoff;
an `offline_access` refresh token outlives the session."""

import datetime as dt
import time

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.models import UserSession
from ketacare.fhir.smart.models import SmartLaunch


def refresh(smart_app, refresh_token: str):
    return Client().post(
        "/fhir/auth/token",
        {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": smart_app.application.client_id},
    )


def refreshed(smart_app, refresh_token: str) -> dict:
    response = refresh(smart_app, refresh_token)
    assert response.status_code == 200, response.content
    return response.json()


def assert_refused(smart_app, refresh_token: str) -> None:
    response = refresh(smart_app, refresh_token)
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_grant"


def test_an_online_refresh_works_while_signed_in_and_is_refused_after_signing_out(
    client, staff, patient, smart_app, launch
):
    token = launch(staff["nurse"], "launch/patient patient/*.rs online_access", patient=patient)
    assert SmartLaunch.objects.get().session_key == client.session.session_key
    # While the nurse is signed in the app refreshes, again and again; the patient stays.
    first = refreshed(smart_app, token["refresh_token"])
    second = refreshed(smart_app, first["refresh_token"])
    assert second["patient"] == str(patient.pk)

    assert client.post(reverse("accounts:logout")).status_code == 302
    assert_refused(smart_app, second["refresh_token"])


def test_an_online_refresh_is_refused_once_the_session_expired(client, staff, smart_app, launch):
    token = launch(staff["prescriber"], "user/*.rs online_access")
    UserSession.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    assert_refused(smart_app, token["refresh_token"])


def test_an_online_refresh_is_refused_once_the_staff_session_idled_past_the_logoff(
    client, settings, staff, smart_app, launch
):
    token = launch(staff["prescriber"], "user/*.rs online_access")
    session = client.session
    session["last_seen_at"] = time.time() - settings.STAFF_IDLE_TIMEOUT.total_seconds() + 60
    session.save()
    token = refreshed(smart_app, token["refresh_token"])  # idle, but not yet past the logoff
    session["last_seen_at"] = time.time() - settings.STAFF_IDLE_TIMEOUT.total_seconds() - 1
    session.save()
    assert_refused(smart_app, token["refresh_token"])


def test_a_patients_online_refresh_keeps_their_own_record_until_they_sign_out(client, patient, smart_app, launch):
    token = launch(patient.user, "launch/patient patient/*.rs online_access")
    assert token["patient"] == str(patient.pk)
    token = refreshed(smart_app, token["refresh_token"])
    assert token["patient"] == str(patient.pk)
    client.post(reverse("accounts:logout"))
    assert_refused(smart_app, token["refresh_token"])


def test_an_offline_refresh_outlives_the_session(client, staff, patient, smart_app, launch):
    token = launch(staff["nurse"], "launch/patient patient/*.rs offline_access", patient=patient)
    assert SmartLaunch.objects.get().session_key == ""
    client.post(reverse("accounts:logout"))
    assert refreshed(smart_app, token["refresh_token"])["patient"] == str(patient.pk)
    # Both asked for: offline_access wins, the grant is not tied to the session.
    token = launch(staff["prescriber"], "user/*.rs online_access offline_access")
    client.post(reverse("accounts:logout"))
    assert refreshed(smart_app, token["refresh_token"])["refresh_token"]
