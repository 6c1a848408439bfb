"""The consultation note in a real browser (Playwright driving Debian's chromium): a prescriber opens
the patient's chart, writes the consultation note with the latest risk screens in view, signs it,
downloads its PDF, and adds an addendum to the locked note."""

import pytest
from playwright.sync_api import Page, expect

from ketacare.consultations.models import ConsultationNote
from ketacare.measures.actions import do_enter_response

from .conftest import CSSRS_LOW_RISK, SIGNABLE, phq9

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The app's quick runs use -p no:playwright; then there is no browser to drive.
    pytest.mark.skipif('not config.pluginmanager.has_plugin("playwright")', reason="Playwright is disabled"),
]


def test_a_prescriber_writes_signs_downloads_and_adds_to_a_consultation_note(
    page: Page, live_server, staff, patient, browser_sign_in
):
    base = live_server.url
    page.set_default_timeout(15000)
    do_enter_response(staff["nurse"], patient, "cssrs_screener", CSSRS_LOW_RISK)
    do_enter_response(staff["nurse"], patient, "phq9", phq9(1))
    browser_sign_in(page, base, staff["prescriber"])

    # 1. From the chart to a new note; the risk screens are shown beside the risk section.
    page.goto(f"{base}/patients/{patient.pk}/")
    page.get_by_role("link", name="Consultation notes").click()
    page.get_by_role("link", name="New consultation note").click()
    expect(page.locator("#risk-facts")).to_contain_text("C-SSRS screener: Low risk")
    expect(page.locator("#risk-facts")).to_contain_text("PHQ-9 item 9: Several days (1)")
    for name, value in SIGNABLE.items():
        page.locator(f"textarea[name={name}]").fill(value)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#status")).to_have_text("Draft")

    # 2. Sign: the note is locked, its text shown as typed, the edit form gone.
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.locator("#status")).to_have_text("Signed")
    expect(page.locator("#note")).to_contain_text(SIGNABLE["history_of_present_illness"])
    expect(page.locator("#edit")).to_have_count(0)

    # 3. The PDF downloads (never shown inline).
    with page.expect_download() as download_info:
        page.locator("#pdf").click()
    download = download_info.value
    assert download.suggested_filename.startswith("consultation-") and download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    # 4. A correction is an addendum.
    page.locator("textarea[name=text]").fill("Blood pressure rechecked: 126/80.")
    page.get_by_role("button", name="Add addendum").click()
    expect(page.locator("#addenda")).to_contain_text("Blood pressure rechecked: 126/80.")
    note = ConsultationNote.objects.get()
    assert (note.status, note.addenda.count()) == ("signed", 1)
