"""Issue 15 stories in a real browser, with the invitation mailed through a real SMTP server.

1. A clinic admin invites a nurse from the staff pages; the invitation mail arrives; the nurse opens the
   link, sets her password (no two-factor for a nurse) and charts today's session at her location.
2. The admin deactivates a nurse who is signed in: her open page's next request lands on the sign-in
   page, and her API token is refused (401) at once.
"""

import re
import time
from decimal import Decimal

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from ketacare.accounts.actions import do_create_api_token
from ketacare.accounts.models import User
from ketacare.audit.models import AuditEntry
from ketacare.outbox.actions import dispatch_outbox
from ketacare.scheduling.models import AppointmentKind

pytestmark = pytest.mark.django_db(transaction=True)

NURSE_PASSWORD = "Lantern-orchard-47-quietly"
LINK = re.compile(r"(https?://\S+/accounts/invitation/\S+/)")


def invite_nurse_in_the_browser(page: Page, base: str, portland) -> None:
    """From the navigation's "Staff", "Invite a staff member": Nora, a nurse at Portland who monitors and gives IV doses."""
    page.goto(f"{base}/")
    page.locator("header nav").get_by_role("link", name="Staff", exact=True).click()
    page.get_by_role("link", name="Invite a staff member").click()
    page.get_by_label("Email").fill("nora.lind@example.org")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Lind")
    page.get_by_label("Role").select_option("nurse")
    page.get_by_label("Title").fill("RN")
    page.get_by_label(portland.name, exact=True).first.check()
    page.get_by_label("Home location").select_option(str(portland.pk))
    page.get_by_label("Monitors treatment sessions").check()
    page.get_by_label("Administers IV ketamine").check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".messages")).to_contain_text("Invitation sent to nora.lind@example.org")


def mailed_link(smtp_server, to: str) -> str:
    """Send what the outbox holds, then the link in the one mail to `to`."""
    dispatch_outbox()
    mails = [message for message in smtp_server.messages if message["To"] == to]
    assert len(mails) == 1
    body = mails[0].get_payload(decode=True).decode()
    return LINK.search(body).group(1)


def accept(page: Page, link: str) -> None:
    page.goto(link)
    expect(page.locator("h1")).to_contain_text("Welcome to Harbor")
    page.get_by_label("Password", exact=True).fill(NURSE_PASSWORD)
    page.get_by_label("Password again").fill(NURSE_PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_an_admin_invites_a_nurse_who_accepts_and_charts_a_session(
    page: Page,
    live_server,
    settings,
    smtp_server,
    staff,
    patient,
    portland,
    make_treatment_plan,
    make_session_appointment,
    put_on_shift,
    browser_sign_in,
    browser_sign_out,
    browser_record_vitals,
):
    page.set_default_timeout(15000)
    base = live_server.url
    settings.PUBLIC_BASE_URL = base  # the link in the mail points at this server
    make_treatment_plan(patient, "iv-racemic-ketamine", staff["prescriber"], Decimal("0.5"))
    make_session_appointment(patient, portland, AppointmentKind.IV_INFUSION, staff["front_desk"])

    started = time.monotonic()
    browser_sign_in(page, base, staff["clinic_admin"])
    invite_nurse_in_the_browser(page, base, portland)
    nora = User.objects.get(username="nora.lind@example.org")
    assert not nora.is_active
    browser_sign_out(page)

    link = mailed_link(smtp_server, "nora.lind@example.org")
    put_on_shift(nora, portland)  # on today's rota at Portland
    accept(page, link)
    expect(page.locator(".messages")).to_contain_text("Your password is set")
    invitation_to_first_sign_in_s = time.monotonic() - started

    # She charts: today's session at Portland, the checklist, a first set of vital signs.
    page.goto(f"{base}/sessions/?location={portland.pk}")
    page.get_by_role("button", name="Start session").click()
    expect(page).to_have_url(re.compile(r"/sessions/\d+/$"))
    checklist = page.locator("#form-checklist")
    for label in ("Identity confirmed", "Fasting as instructed", "Driver home confirmed"):
        checklist.get_by_label(label, exact=True).check()
    checklist.get_by_role("button", name="Save checklist").click()
    expect(page.locator("#panel .kc-notice")).to_contain_text("Checklist saved")
    browser_record_vitals(page, 128, 82)

    # The chart's writes are hers in the audit trail (staff sits beside treatments: no import of its models).
    charted = AuditEntry.objects.filter(actor=nora, object_type="treatments.treatmentsession")
    assert charted.exists()
    # The link was single-use: opened again, it says so.
    page.goto(link)
    expect(page.locator("main")).to_contain_text("already used")
    print(f"invitation to first sign-in (browser, incl. mail delivery): {invitation_to_first_sign_in_s:.1f} s")


def test_deactivating_a_nurse_ends_her_open_session_and_her_api_token_at_once(
    page: Page, browser, live_server, settings, smtp_server, staff, portland, browser_sign_in
):
    page.set_default_timeout(15000)
    base = live_server.url
    settings.PUBLIC_BASE_URL = base
    admin_page = browser.new_context().new_page()
    admin_page.set_default_timeout(15000)
    browser_sign_in(admin_page, base, staff["clinic_admin"])
    invite_nurse_in_the_browser(admin_page, base, portland)

    # Nora accepts and works: her browser is signed in, and she has an API token for a script.
    accept(page, mailed_link(smtp_server, "nora.lind@example.org"))
    nora = User.objects.get(username="nora.lind@example.org")
    _, secret = do_create_api_token(nora, "rota script")
    token_client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert token_client.get("/api/v1/patients").status_code == 200
    page.goto(f"{base}/patients/")
    expect(page.locator("h1")).to_have_text("Patients")

    # The admin deactivates her from her staff page, with a reason.
    admin_page.goto(f"{base}/clinic/staff/{nora.pk}/")
    admin_page.get_by_label("Reason").last.fill("Left the clinic on 7 December")
    admin_page.get_by_role("button", name="Deactivate").click()
    expect(admin_page.locator(".messages")).to_contain_text("Deactivated")
    expect(admin_page.locator("#facts")).to_contain_text("Inactive")

    # At once: her next click lands on the sign-in page, and the token is refused.
    page.reload()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert token_client.get("/api/v1/patients").status_code == 401
    admin_page.context.close()
