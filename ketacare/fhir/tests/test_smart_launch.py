"""SMART App Launch, standalone: authorize (sign-in, consent, PKCE S256, aud), the token endpoint (code
exchange, refresh), and what an OAuth access token may read through /fhir/: the grant's types, the launched
patient's compartment, never more than the user's role; revocation, expiry and the audit of it all."""

import datetime as dt
import hashlib
from urllib.parse import parse_qs, urlsplit

from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.fhir.smart.actions import do_register_smart_app
from ketacare.fhir.smart.models import SmartLaunch
from ketacare.fhir.tests.smart_clients import AUD, REDIRECT, authorize_url, consent, exchange, pkce, redirect_params
from ketacare.measures import actions as measures_actions
from ketacare.patients.models import Diagnosis


def fhir(token: str, path: str, **params):
    return Client().get(f"/fhir/{path}", params, HTTP_AUTHORIZATION=f"Bearer {token}")


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in response.json().get("entry", [])}


def test_smart_configuration_names_the_endpoints_and_s256(client):
    for path in ("/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration"):
        body = client.get(path).json()
        assert body["authorization_endpoint"] == "http://testserver/fhir/auth/authorize"
        assert body["token_endpoint"] == "http://testserver/fhir/auth/token"
        assert body["code_challenge_methods_supported"] == ["S256"]
        assert {"launch-standalone", "permission-v2", "context-standalone-patient"} <= set(body["capabilities"])
        assert "private_key_jwt" in body["token_endpoint_auth_methods_supported"]
    security = client.get("/fhir/metadata").json()["rest"][0]["security"]
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"
    uris = {e["url"]: e["valueUri"] for e in security["extension"][0]["extension"]}
    assert uris == {"authorize": "http://testserver/fhir/auth/authorize", "token": "http://testserver/fhir/auth/token"}


def test_pkce_is_required_and_only_s256(staff, signed_in, smart_app):
    client = signed_in(staff["prescriber"])
    missing = redirect_params(client.get(authorize_url(smart_app, "user/*.rs", None)))
    assert missing["error"] == "invalid_request" and missing["error_description"] == "Code challenge required."
    plain = redirect_params(client.get(authorize_url(smart_app, "user/*.rs", "abc", code_challenge_method="plain")))
    assert plain["error"] == "invalid_request" and "S256" in plain["error_description"]
    assert not Grant.objects.exists()


def test_a_code_without_its_verifier_or_with_a_wrong_one_buys_no_token(staff, signed_in, smart_app):
    client = signed_in(staff["prescriber"])
    for verifier in (None, "a-wrong-verifier-that-is-long-enough-to-be-a-verifier-0123456789"):
        _, challenge = pkce()
        code = redirect_params(consent(client, authorize_url(smart_app, "user/*.rs", challenge)))["code"]
        response = exchange(smart_app, code, verifier)
        assert response.status_code == 400, response.content
        assert response.json()["error"] in ("invalid_request", "invalid_grant")
    assert not AccessToken.objects.exists()


def test_a_wrong_aud_is_refused_with_the_reason(staff, signed_in, smart_app):
    _, challenge = pkce()
    url = authorize_url(smart_app, "user/*.rs", challenge, aud="https://evil.example/fhir")
    params = redirect_params(signed_in(staff["prescriber"]).get(url))
    assert params["error"] == "invalid_request"
    assert params["error_description"] == f"aud must be this server's FHIR base URL, {AUD}"
    assert params["state"] == "st4te"


def test_anonymous_users_sign_in_first_and_come_back(client, smart_app):
    _, challenge = pkce()
    url = authorize_url(smart_app, "user/*.rs", challenge)
    response = client.get(url)
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == [url]


def test_two_factor_comes_between_sign_in_and_consent_and_keeps_the_whole_request(client, staff, smart_app, password):
    prescriber = staff["prescriber"]  # has a confirmed TOTP device
    client.post("/accounts/login/", {"username": prescriber.username, "password": password})
    _, challenge = pkce()
    url = authorize_url(smart_app, "user/*.rs", challenge)
    response = client.get(url)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/accounts/verify/"
    assert parse_qs(location.query)["next"] == [url]


def test_a_patient_scope_reads_its_types_only_and_only_the_launched_patient(
    staff, patient, second_patient, launch, audit_entries
):
    prescriber = staff["prescriber"]
    mine = measures_actions.do_enter_response(prescriber, patient, "phq9", dict(enumerate([1] * 9, 1)))
    theirs = measures_actions.do_enter_response(prescriber, second_patient, "phq9", dict(enumerate([2] * 9, 1)))
    diagnosis = Diagnosis.objects.create(patient=patient, icd10_code="F33.2", description="MDD", recorded_by=prescriber)
    token = launch(prescriber, "launch/patient patient/Observation.rs", patient=patient)
    assert token["patient"] == str(patient.pk)
    assert token["scope"] == "launch/patient patient/Observation.rs"
    assert token["expires_in"] == 3600
    assert "refresh_token" not in token  # no offline_access / online_access asked for
    access = token["access_token"]
    observations = ids(fhir(access, "Observation"))
    assert f"Observation/score-{mine.pk}" in observations
    assert f"Observation/score-{theirs.pk}" not in observations
    assert fhir(access, f"Observation/score-{theirs.pk}").status_code == 404
    refused = fhir(access, f"Condition/{diagnosis.pk}")
    assert refused.status_code == 403
    assert refused.json()["resourceType"] == "OperationOutcome"
    assert "Condition" in refused.json()["issue"][0]["diagnostics"]
    assert fhir(access, "Condition").status_code == 403
    # The consent and the token are audited, the consent naming the patient.
    granted = AuditEntry.objects.get(detail__event="smart_authorization_granted")
    assert granted.patient_id == patient.pk and granted.actor_id == prescriber.pk
    issued = AuditEntry.objects.get(detail__event="smart_token_issued")
    assert issued.detail["patient_id"] == patient.pk and issued.detail["grant_type"] == "authorization_code"


def test_a_patient_wildcard_scope_stays_in_the_launched_patients_compartment(staff, patient, second_patient, launch):
    token = launch(staff["nurse"], "launch/patient patient/*.rs", patient=second_patient)["access_token"]
    assert ids(fhir(token, "Patient")) == {f"Patient/{second_patient.pk}"}
    assert fhir(token, f"Patient/{patient.pk}").status_code == 404
    assert ids(fhir(token, "Patient", _id=patient.pk)) == set()


def test_staff_must_choose_the_patient_of_a_patient_level_launch(staff, signed_in, smart_app):
    _, challenge = pkce()
    response = consent(signed_in(staff["nurse"]), authorize_url(smart_app, "launch/patient patient/*.rs", challenge))
    assert response.status_code == 200
    assert "Choose the patient the app is for." in response.content.decode()
    assert not Grant.objects.exists()


def test_a_patient_user_launches_for_their_own_record(patient, second_patient, launch):
    token = launch(patient.user, "launch/patient patient/*.rs")
    assert token["patient"] == str(patient.pk)
    assert ids(fhir(token["access_token"], "Patient")) == {f"Patient/{patient.pk}"}
    assert fhir(token["access_token"], f"Patient/{second_patient.pk}").status_code == 404


def test_a_user_scope_never_widens_the_role(record, staff, launch, bearer):
    front_desk = staff["front_desk"]
    token = launch(front_desk, "user/*.rs")["access_token"]
    vital = f"Observation/bp-{record.vital.pk}"
    # The role matrix bars front desk from session charts, whatever the scope; their own API token agrees.
    assert fhir(token, vital).status_code == 403
    assert Client().get(f"/fhir/{vital}", HTTP_AUTHORIZATION=bearer(front_desk)).status_code == 403
    assert f"Patient/{record.patient.pk}" in ids(fhir(token, "Patient"))
    # A prescriber's user/*.rs token reads it.
    assert fhir(launch(staff["prescriber"], "user/*.rs")["access_token"], vital).status_code == 200


def test_a_refresh_keeps_the_scopes_and_the_patient(staff, patient, second_patient, smart_app, launch):
    token = launch(staff["nurse"], "launch/patient patient/*.rs offline_access", patient=patient)
    assert token["refresh_token"]
    response = Client().post(
        "/fhir/auth/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": smart_app.application.client_id,
        },
    )
    assert response.status_code == 200, response.content
    refreshed = response.json()
    assert refreshed["scope"] == token["scope"]
    assert refreshed["patient"] == str(patient.pk)
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert fhir(token["access_token"], "Patient").status_code == 401  # the old access token is gone
    assert ids(fhir(refreshed["access_token"], "Patient")) == {f"Patient/{patient.pk}"}
    assert (
        SmartLaunch.objects.get().access_token.token_checksum
        == hashlib.sha256(refreshed["access_token"].encode()).hexdigest()
    )


def test_revoking_an_apps_tokens_ends_them(staff, patient, smart_app, launch, signed_in):
    token = launch(staff["nurse"], "launch/patient patient/*.rs offline_access", patient=patient)
    assert fhir(token["access_token"], "Patient").status_code == 200
    response = signed_in(staff["clinic_admin"]).post(f"/clinic/smart-apps/{smart_app.pk}/revoke-tokens/")
    assert response.status_code == 302
    assert fhir(token["access_token"], "Patient").status_code == 401
    refresh = Client().post(
        "/fhir/auth/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": smart_app.application.client_id,
        },
    )
    assert refresh.status_code == 400
    assert AuditEntry.objects.filter(action=AuditAction.SECURITY, detail__event="smart_app_tokens_revoked").exists()


def test_an_expired_token_is_401(staff, launch):
    token = launch(staff["nurse"], "user/*.rs")["access_token"]
    AccessToken.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))
    response = fhir(token, "Patient")
    assert response.status_code == 401
    assert response.json()["issue"][0]["code"] == "login"


def test_deny_sends_access_denied_and_is_audited(staff, signed_in, smart_app):
    _, challenge = pkce()
    url = authorize_url(smart_app, "user/*.rs", challenge)
    params = redirect_params(consent(signed_in(staff["nurse"]), url, allow=False))
    assert params["error"] == "access_denied" and "code" not in params
    assert AuditEntry.objects.filter(detail__event="smart_authorization_denied", actor=staff["nurse"]).exists()


def test_the_consent_page_escapes_the_app_name_and_lets_only_its_redirect_through(staff, signed_in):
    app, _ = do_register_smart_app(
        staff["clinic_admin"],
        name='<script>alert("x")</script>',
        redirect_uris=REDIRECT,
        client_type="public",
        allowed_scopes="user/*.rs",
    )
    _, challenge = pkce()
    response = signed_in(staff["nurse"]).get(authorize_url(app, "user/*.rs", challenge))
    html = response.content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "Read and search all records that you may see" in html
    assert "form-action 'self' https://app.example;" in response["Content-Security-Policy"]


def test_scopes_beyond_the_apps_registration_are_refused(staff, signed_in, smart_app):
    _, challenge = pkce()
    params = redirect_params(signed_in(staff["nurse"]).get(authorize_url(smart_app, "system/*.rs", challenge)))
    assert params["error"] == "invalid_scope"


def test_another_clinics_staff_cannot_authorize_the_app(other_staff, signed_in, smart_app):
    _, challenge = pkce()
    response = signed_in(other_staff["nurse"]).get(authorize_url(smart_app, "user/*.rs", challenge))
    assert response.status_code == 403
    assert "not registered with your clinic" in response.content.decode()
