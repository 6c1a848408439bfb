"""Issue 17 story in a real browser: a SMART app registered for the clinic starts a standalone launch (PKCE
S256, aud = the FHIR base URL); the prescriber signs in with two-factor, picks the patient on the consent
screen and allows; the app takes the code from its redirect, exchanges it for a token and reads the
patient's Observations as a FHIR Bundle."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from ketacare.fhir.smart.actions import do_register_smart_app
from ketacare.measures.actions import do_enter_response

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif('not config.pluginmanager.has_plugin("playwright")', reason="Playwright is disabled"),
]

REDIRECT = "https://app.example/callback"


def test_a_standalone_launch_from_authorize_to_an_observation_bundle(
    page: Page, live_server, staff, patient, second_patient, password
):
    base = live_server.url
    page.set_default_timeout(20000)
    prescriber = staff["prescriber"]
    patient.first_name, patient.last_name = "Iris", "Vale"  # a name the picker's search finds
    patient.save()
    score = do_enter_response(prescriber, patient, "phq9", dict(enumerate([2] * 9, 1)))
    other_score = do_enter_response(prescriber, second_patient, "phq9", dict(enumerate([1] * 9, 1)))
    smart_app, _ = do_register_smart_app(
        staff["clinic_admin"],
        name="Mood tracker",
        redirect_uris=REDIRECT,
        client_type="public",
        allowed_scopes="launch/patient patient/*.rs offline_access",
    )
    client_id = smart_app.application.client_id

    # The app's redirect URI answers in the browser, as the app's own page would; it keeps the address.
    arrived: list[str] = []

    def app_page(route):
        arrived.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>Mood tracker connected</p>")

    page.route("https://app.example/**", app_page)

    # 1. The app sends the browser to the authorize endpoint with a PKCE challenge.
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "launch/patient patient/Observation.rs offline_access",
        "state": "af0ifjsldkj",
        "aud": f"{base}/fhir",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page.goto(f"{base}/fhir/auth/authorize?{urlencode(query)}")

    # 2. The prescriber signs in, with the two-factor step.
    page.fill("input[name=username]", prescriber.username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    device = TOTPDevice.objects.get(user=prescriber, confirmed=True)
    page.fill("input[name=token]", f"{TOTP(device.bin_key).token():06d}")
    page.click("button[type=submit]")

    # 3. The consent screen: the app, its scopes in words, the patient picked, allowed.
    consent = page.locator("#consent")
    expect(consent).to_contain_text("Allow Mood tracker to read")
    expect(page.locator("#scopes")).to_contain_text("Read and search Observation records of the patient you choose")
    page.locator("input[name=patient_search]").fill("Vale")
    option = page.locator(f"input[name=patient][value='{patient.pk}']")
    option.check()
    page.get_by_role("button", name="Allow").click()
    expect(page.locator("body")).to_contain_text("Mood tracker connected")

    # 4. The app takes the code from its redirect and exchanges it with the verifier.
    params = parse_qs(urlsplit(arrived[-1]).query)
    assert params["state"] == ["af0ifjsldkj"]
    token_response = requests.post(
        f"{base}/fhir/auth/token",
        data={
            "grant_type": "authorization_code",
            "code": params["code"][0],
            "redirect_uri": REDIRECT,
            "client_id": client_id,
            "code_verifier": verifier,
        },
        timeout=30,
    )
    assert token_response.status_code == 200, token_response.text
    token = token_response.json()
    assert token["patient"] == str(patient.pk)
    assert token["token_type"] == "Bearer" and token["refresh_token"]

    # 5. It reads the patient's Observations: a Bundle with their PHQ-9 and no one else's.
    bundle = requests.get(
        f"{base}/fhir/Observation",
        params={"patient": token["patient"]},
        headers={"Authorization": f"Bearer {token['access_token']}", "Accept": "application/fhir+json"},
        timeout=30,
    ).json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    found = {entry["resource"]["id"] for entry in bundle["entry"]}
    assert f"score-{score.pk}" in found and f"score-{other_score.pk}" not in found
