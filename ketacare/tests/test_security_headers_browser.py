"""In a real browser, under the Content-Security-Policy: no page breaks it, and the API docs render
Swagger UI from this site."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_and_the_api_docs_run_under_the_policy(page: Page, live_server, staff, browser_sign_in):
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    external = []
    page.on("request", lambda request: request.url.startswith(live_server.url) or external.append(request.url))
    page.set_default_timeout(15000)

    browser_sign_in(page, live_server.url, staff["nurse"])
    page.goto(f"{live_server.url}/patients/")
    # htmx loaded and configured from the meta tag: no inline <style> of its own.
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.locator("head style").count() == 0

    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=60000)
    assert violations == []
    assert external == []
