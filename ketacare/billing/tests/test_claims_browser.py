"""Browser story, part 2 (issue 18, "done when"): a signed esketamine session for a Medicare patient makes a
G2083 charge (billing's signing hook); billing finalises it, builds the claim (withdraws the first one, built too
early, and builds it again), makes it ready and downloads the 837P file, which pyx12 accepts; the front desk
downloads the patient's superbill PDF."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from ketacare.billing.models import Charge, ChargeStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_medicare_esketamine_session_becomes_a_g2083_claim_in_a_valid_837p_and_a_superbill(
    page: Page,
    live_server,
    staff,
    patient,
    portland,
    fee_schedule,
    claims_ready_org,
    medicare,
    insure,
    make_treatment_plan,
    make_signed_session,
    browser_sign_in,
    browser_sign_out,
    x12_problems,
    pdf_text,
):
    insure(patient, medicare, staff["front_desk"])
    patient.diagnoses.create(icd10_code="F33.2", description="MDD, recurrent, severe", recorded_by=staff["prescriber"])
    plan = make_treatment_plan(patient, "esketamine-nasal", staff["prescriber"])
    # Three devices of 28 mg: 84 mg, over 56 mg, so Medicare's G2083 (docs/billing.md).
    session = make_signed_session(plan, portland, staff["nurse"], staff["prescriber"], devices=3)
    charge = Charge.objects.get(treatment_session=session)
    assert (charge.code, charge.amount, charge.status) == ("G2083", Decimal("1289.82"), ChargeStatus.DRAFT)
    base = live_server.url
    page.set_default_timeout(30000)

    # 1. Billing reviews the draft charge and finalises it.
    browser_sign_in(page, base, staff["billing"])
    page.goto(f"{base}/billing/charges/{charge.pk}/")
    expect(page.locator("main")).to_contain_text("G2083")
    page.get_by_role("button", name="Finalise and post").click()
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.FINAL

    # 2. The claim: built from the final charge; built too early, withdrawn and built again; made ready.
    page.goto(f"{base}/billing/claims/")
    page.get_by_role("button", name="Build claims").click()
    expect(page.locator(".messages")).to_contain_text("1 claim built.")
    page.get_by_role("link", name="C000001").click()
    expect(page.locator("#claim-status")).to_have_text("Draft")
    page.get_by_label("Reason for withdrawing").fill("Built before the diagnosis was checked")
    page.get_by_role("button", name="Withdraw the claim").click()
    expect(page.locator("#claim-status")).to_have_text("Withdrawn")
    expect(page.locator("#claim-history")).to_contain_text("Built before the diagnosis was checked")
    page.goto(f"{base}/billing/claims/")
    page.get_by_role("button", name="Build claims").click()
    expect(page.locator(".messages")).to_contain_text("1 claim built.")
    page.get_by_role("link", name="C000002").click()
    expect(page.locator("#claim-lines")).to_contain_text("G2083")
    page.get_by_label("New status").select_option("ready")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#claim-status")).to_have_text("Ready to send")

    # 3. The 837P file, downloaded from the export page, passes pyx12.
    page.goto(f"{base}/billing/claims/export/")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download 837P file").click()
    text = open(download.value.path(), encoding="ascii").read()
    assert x12_problems(text) == []
    assert re.search(r"SV1\*HC:G2083\*1289\.82\*UN\*1\*\*\*1~", text)
    page.goto(f"{base}/billing/claims/")
    expect(page.locator("#claims")).to_contain_text("Sent")
    browser_sign_out(page)

    # 4. The front desk hands the patient a superbill.
    browser_sign_in(page, base, staff["front_desk"])
    page.goto(f"{base}/billing/claims/patients/{patient.pk}/")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download superbill").click()
    pdf = open(download.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF")
    content = pdf_text(pdf)
    for expected in (b"G2083", b"$1,289.82", b"1EG4TE5MK73", b"1245319599", b"F33.2"):
        assert expected in content
