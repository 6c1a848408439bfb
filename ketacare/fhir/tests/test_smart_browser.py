"""Issue 17 story in a real browser: a SMART app registered for the clinic starts a standalone launch (PKCE
S256, aud = the FHIR base URL, `openid fhirUser`); the prescriber signs in with two-factor, picks the patient
on the consent screen and allows; the app, a page at its own origin, takes the code from its redirect,
exchanges it for a token and reads the patient's Observations as a FHIR Bundle, both cross-origin (CORS),
and the id_token names the prescriber's Practitioner resource."""

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from jwcrypto import jwk, jwt
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
        allowed_scopes="launch/patient patient/*.rs offline_access openid fhirUser",
    )
    client_id = smart_app.application.client_id

    # The app's redirect URI answers in the browser, as the app's own page would; it keeps the address.
    arrived: list[str] = []

    def app_page(route):
        arrived.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>Mood tracker connected</p>")

    page.route("https://app.example/**", app_page)
    # The test server listens on the loopback address, which Chromium lets a public site's page call only with
    # the user's permission (Local Network Access); a clinic's server on the internet needs none.
    page.context.grant_permissions(["local-network-access"], origin="https://app.example")

    # 1. The app sends the browser to the authorize endpoint with a PKCE challenge.
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "launch/patient patient/Observation.rs offline_access openid fhirUser",
        "state": "af0ifjsldkj",
        "nonce": "n-0S6_WzA2Mj",
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
    expect(page.locator("#scopes")).to_contain_text("Know which record is yours")
    # htmx (a deferred script) binds the picker's search when the page has loaded: typing earlier searched nothing.
    page.wait_for_load_state("load")
    page.locator("input[name=patient_search]").fill("Vale")
    option = page.locator(f"input[name=patient][value='{patient.pk}']")
    option.check()
    page.get_by_role("button", name="Allow").click()
    expect(page.locator("body")).to_contain_text("Mood tracker connected")

    # 4. The app, the page at its redirect URI, takes the code and exchanges it with the verifier: a
    #    cross-origin request from https://app.example, which the token endpoint lets it read (CORS).
    params = parse_qs(urlsplit(arrived[-1]).query)
    assert params["state"] == ["af0ifjsldkj"]
    token_response = page.evaluate(
        """async ([url, form]) => {
            const response = await fetch(url, {method: "POST", body: new URLSearchParams(form)});
            return {status: response.status, body: await response.json()};
        }""",
        [
            f"{base}/fhir/auth/token",
            {
                "grant_type": "authorization_code",
                "code": params["code"][0],
                "redirect_uri": REDIRECT,
                "client_id": client_id,
                "code_verifier": verifier,
            },
        ],
    )
    assert token_response["status"] == 200, token_response
    token = token_response["body"]
    assert token["patient"] == str(patient.pk)
    assert token["token_type"] == "Bearer" and token["refresh_token"]

    # 5. It reads the patient's Observations (the Authorization header makes the browser ask first: a
    #    preflight): a Bundle with their PHQ-9 and no one else's.
    bundle = page.evaluate(
        """async ([url, token]) => {
            const response = await fetch(url, {headers: {Authorization: `Bearer ${token}`,
                                                          Accept: "application/fhir+json"}});
            return await response.json();
        }""",
        [f"{base}/fhir/Observation?patient={token['patient']}", token["access_token"]],
    )
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    found = {entry["resource"]["id"] for entry in bundle["entry"]}
    assert f"score-{score.pk}" in found and f"score-{other_score.pk}" not in found

    # 6. The id_token, checked against the server's published key, says who signed in.
    keys = jwk.JWKSet.from_json(requests.get(f"{base}/fhir/.well-known/jwks.json", timeout=30).content)
    claims = json.loads(jwt.JWT(jwt=token["id_token"], key=keys, algs=["RS256"]).claims)
    assert claims["fhirUser"] == f"{base}/fhir/Practitioner/{prescriber.pk}"
    assert (claims["iss"], claims["aud"], claims["nonce"]) == (f"{base}/fhir", client_id, "n-0S6_WzA2Mj")
