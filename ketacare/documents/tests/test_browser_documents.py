"""Browser story (issue 16): a patient uploads a referral letter in the portal, the front desk finds it on
the chart's documents page and downloads it; a file named .pdf that is really HTML is refused."""

import pytest
from playwright.sync_api import Page, expect

from ketacare.documents.models import PatientDocument
from ketacare.documents.tests.conftest import PDF_BYTES

pytestmark = pytest.mark.django_db(transaction=True)
HTML_AS_PDF = b"<!DOCTYPE html><html><body><script>document.title='pwned'</script>Referral</body></html>"


def fill_upload(page: Page, *, name: str, content: bytes, title: str) -> None:
    form = page.locator("#upload-form")
    form.locator("input[name=file]").set_input_files(
        files=[{"name": name, "mimeType": "application/pdf", "buffer": content}]
    )
    form.get_by_label("Category").select_option(label="Referral letter")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Date on the document").fill("2026-01-05")
    form.get_by_role("button", name="Upload").click()


def test_portal_upload_reaches_the_chart_and_html_named_pdf_is_refused(
    page: Page, live_server, patient, staff, browser_sign_in, browser_sign_out
):
    page.set_default_timeout(15000)
    base = live_server.url

    browser_sign_in(page, base, patient.user)
    page.get_by_role("link", name="My documents").click()
    expect(page.get_by_role("heading", name="My documents", level=1)).to_be_visible()

    fill_upload(page, name="referral.pdf", content=HTML_AS_PDF, title="Fake letter")
    file_error = page.locator("#upload-form .errorlist")
    expect(file_error).to_contain_text("This file is not a PDF, JPEG or PNG")
    assert not PatientDocument.objects.exists()

    fill_upload(page, name="referral-dr-lee.pdf", content=PDF_BYTES, title="Referral from Dr Lee")
    expect(page.locator(".messages")).to_contain_text("your document is on your record")
    expect(page.locator("#documents")).to_contain_text("Referral from Dr Lee")
    browser_sign_out(page)

    browser_sign_in(page, base, staff["front_desk"])
    page.goto(f"{base}/patients/{patient.pk}/")
    page.get_by_role("link", name="Documents", exact=True).click()
    documents = page.locator("#documents")
    expect(documents).to_contain_text("Referral from Dr Lee")
    expect(documents).to_contain_text("by the patient (portal)")
    with page.expect_download() as download_info:
        documents.get_by_role("link", name="referral-dr-lee.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "referral-dr-lee.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == PDF_BYTES
