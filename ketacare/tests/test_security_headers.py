"""Headers: a Content-Security-Policy without inline scripts on every page, no-store on everything that
carries patient data, the API docs served from this site, and `check --deploy` clean in production."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.test import Client

from ketacare.lib.security_headers import CONTENT_SECURITY_POLICY


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in policy.split(";") if part.strip())}


def assert_no_store(response):
    assert "no-store" in response["Cache-Control"], response["Cache-Control"]


def test_the_policy_allows_scripts_only_from_this_site():
    policy = {part.split()[0]: part.split()[1:] for part in CONTENT_SECURITY_POLICY.split("; ")}
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    # Inline <style> elements are refused too; only style attributes, which cannot run code.
    assert policy["style-src"] == ["'self'"]


def test_anonymous_pages_carry_the_policy(client, org):
    for url in ("/accounts/login/", f"/c/{org.slug}/request/", "/no-such-page/"):
        response = client.get(url)
        sources = directives(response)
        assert sources["script-src"] == ["'self'"], url
        assert "'unsafe-inline'" not in sources["default-src"], url


def test_staff_pages_carry_the_policy_and_are_not_stored(client, staff, patient, signed_in):
    signed_in(staff["nurse"])
    for url in ("/patients/", f"/patients/{patient.pk}/", "/accounts/tokens/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert directives(response)["script-src"] == ["'self'"], url
        assert_no_store(response)


def test_htmx_may_not_inject_styles_or_evaluate_code(client, staff, signed_in):
    signed_in(staff["nurse"])
    page = client.get("/patients/").content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, "allowEval": false}\'>' in page


def test_no_template_has_inline_script_or_event_handlers():
    root = Path(__file__).resolve().parents[1]
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", text) or re.search(
            r"\s(on[a-z]+|hx-on[:\w-]*)=", text
        ):
            offenders.append(str(template.relative_to(root)))
    assert offenders == []


def test_the_session_chart_marks_its_refresh_as_a_poll_that_keeps_no_session_alive():
    # accounts/middleware.py does not count requests with this header as activity (test_idle_timeout.py).
    from ketacare.accounts.middleware import POLL_HEADER

    prompts = Path(__file__).resolve().parents[1] / "treatments/templates/treatments/_prompts.html"
    text = prompts.read_text()
    assert 'hx-trigger="every 30s"' in text and f'"{POLL_HEADER}": "1"' in text


def test_pdf_csv_and_api_responses_are_not_stored(client, staff, portland, patient, signed_in):
    signed_in(staff["clinic_admin"])
    report = f"/ledger/locations/{portland.pk}/reports/"
    pdf = client.get(
        report, {"kind": "inventory", "format": "pdf", "inventory_type": "initial", "business_time": "opening"}
    )
    assert pdf.content.startswith(b"%PDF")
    csv = client.get(
        report, {"kind": "dispensing", "format": "csv", "inventory_type": "initial", "business_time": "opening"}
    )
    assert csv["Content-Type"].startswith("text/csv")
    api = client.get("/api/v1/patients")
    assert api.status_code == 200
    for response in (pdf, csv, api):
        assert_no_store(response)


def test_a_bearer_token_api_response_is_not_stored(staff, patient):
    from ketacare.accounts.actions import do_create_api_token

    _, secret = do_create_api_token(staff["nurse"], "script")
    response = Client().get(f"/api/v1/patients/{patient.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert_no_store(response)


def test_the_api_docs_load_swagger_ui_from_this_site_only(client, staff, signed_in):
    signed_in(staff["nurse"])
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui-bundle.js" in page
    referenced = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert referenced and all(url.startswith("/") and not url.startswith("//") for url in referenced), referenced
    assert "cdn." not in page and "https://" not in page
    # The files themselves are served (WhiteNoise, from the finders in tests).
    for url in referenced:
        if url.endswith((".js", ".css")):
            assert client.get(url).status_code == 200, url


PRODUCTION = {
    "KETACARE_SECRET_KEY": "a-production-secret-key-of-more-than-fifty-characters-0123456789",
    "KETACARE_ALLOWED_HOSTS": "clinic.example.org",
    "KETACARE_SECURE_COOKIES": "true",
    "KETACARE_SSL_REDIRECT": "true",
    "KETACARE_HSTS_SECONDS": "31536000",
    "KETACARE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "KETACARE_HSTS_PRELOAD": "true",
    "KETACARE_TRUSTED_PROXY_HOPS": "1",
    "KETACARE_TRUST_X_FORWARDED_PROTO": "true",
}


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("KETACARE_", "DJANGO_")) and name != "DATABASE_URL"
    }
    environment.update(PRODUCTION, KETACARE_VAR_DIR=str(tmp_path))
    # The chain key (audit/ledger signatures) another setting may require: the test suite's own.
    if "KETACARE_CHAIN_KEY" in os.environ:
        environment["KETACARE_CHAIN_KEY"] = os.environ["KETACARE_CHAIN_KEY"]
    result = subprocess.run(
        [sys.executable, "-m", "ketacare.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr + result.stdout
