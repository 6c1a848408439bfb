"""Browser story, part 1 (issue 18, "done when"): the front desk sells an IV induction package and takes the
card payment, six signed IV sessions draw it down (billing's charges from the signing hook, finalised by
billing), and the patient's portal shows the credits left and the balance."""

import re

import pytest
from playwright.sync_api import Page, expect

from ketacare.billing.actions.charges import do_finalise_charges
from ketacare.billing.models import Charge, ChargeStatus

pytestmark = pytest.mark.django_db(transaction=True)


def test_front_desk_sells_a_package_six_sessions_draw_it_down_and_the_portal_shows_it(
    page: Page,
    live_server,
    org,
    staff,
    patient,
    portland,
    fee_schedule,
    make_package_offer,
    make_treatment_plan,
    make_signed_session,
    browser_sign_in,
    browser_sign_out,
):
    make_package_offer(org, name="IV induction, 6 infusions", sessions=6, price="2700.00")
    base = live_server.url
    page.set_default_timeout(30000)

    # 1. The front desk finds the patient's account, sells the package and takes the card payment.
    browser_sign_in(page, base, staff["front_desk"])
    page.goto(f"{base}/billing/accounts/?q={patient.last_name}")
    page.get_by_role("link", name=patient.full_name).click()
    page.get_by_role("link", name="Sell a package").click()
    page.get_by_label("Package").select_option(label="IV induction, 6 infusions: 6 sessions, 2700.00 USD")
    page.get_by_role("button", name="Sell package").click()
    expect(page.locator(".messages")).to_contain_text("IV induction, 6 infusions sold")
    expect(page.locator("#balance .balance")).to_contain_text("Owes $2,700.00")
    page.get_by_role("link", name="Record a payment").click()
    page.get_by_label("Amount").fill("2,700.00")
    page.get_by_label("Method").select_option("card_terminal")
    page.get_by_label("Reference").fill("T-4431")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("#balance .balance")).to_contain_text("Nothing owed")
    expect(page.locator("#packages")).to_contain_text("6 of 6")
    browser_sign_out(page)

    # 2. Six IV sessions are signed; each one's charge draws a credit; billing finalises them.
    plan = make_treatment_plan(patient, "iv-racemic-ketamine", staff["prescriber"])
    for _ in range(6):
        make_signed_session(plan, portland, staff["nurse"], staff["prescriber"])
    drafts = list(Charge.objects.filter(patient=patient, status=ChargeStatus.DRAFT).values_list("pk", flat=True))
    assert len(drafts) == 6
    do_finalise_charges(staff["billing"], drafts)

    # 3. The patient's portal: no sessions left, nothing owed, the card payment's receipt.
    browser_sign_in(page, base, patient.user)
    page.goto(f"{base}/portal/")
    page.get_by_role("link", name="My bills").click()
    expect(page).to_have_url(re.compile(r"/portal/billing/$"))
    expect(page.locator("#packages")).to_contain_text("IV induction, 6 infusions: 0 of 6 sessions left")
    expect(page.locator("#balance")).to_contain_text("Nothing owed")
    expect(page.locator("#receipts")).to_contain_text("$2,700.00, Card (external terminal)")
