"""The walking-skeleton story in a real browser (Playwright driving Debian's chromium).

A visitor sends a consultation request; a front-desk user signs in, finds it in
the inbox and converts it into a patient; a clinic admin signs in with
two-factor and sees each step in the audit trail.
"""

import datetime as dt
import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from ketacare.inquiries.models import Inquiry
from ketacare.outbox.actions import dispatch_outbox
from ketacare.patients.models import Patient
from ketacare.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_request_to_patient_to_audit_trail(page: Page, live_server, org, staff, smtp_server):
    base = live_server.url
    when = dt.date.today() + dt.timedelta(days=3)
    page.set_default_timeout(15000)

    # 1. A visitor sends a request; the page warns it is not for emergencies.
    page.goto(f"{base}/c/{org.slug}/request/")
    expect(page.locator(".crisis").first).to_contain_text("988")
    page.fill("input[name=first_name]", "Robin")
    page.fill("input[name=last_name]", "Quill")
    page.fill("input[name=date_of_birth]", "1985-04-12")
    page.fill("input[name=phone]", "(503) 555-0142")
    page.fill("input[name=email]", "robin.quill@example.org")
    page.select_option("select[name=preferred_location_id]", label="Harbor Portland (Los Angeles time)")
    page.fill("input[name=window_1_date]", when.isoformat())
    page.fill("input[name=window_1_start]", "09:00")
    page.fill("input[name=window_1_end]", "12:00")
    page.check("input[name=reasons][value=depression]")
    page.check("input[name=consent_to_contact]")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text(re.compile("received|thank", re.I))
    inquiry = Inquiry.objects.get(last_name="Quill")
    assert inquiry.phone == "+15035550142"
    dispatch_outbox()  # the confirmation was queued with the request; the dispatcher sends it
    assert [m["To"] for m in smtp_server.messages] == ["robin.quill@example.org"]

    # 2. The front desk finds it in the inbox and converts it into a patient.
    sign_in(page, base, staff["front_desk"].username)
    expect(page).to_have_url(re.compile(r"/inquiries/"))
    page.get_by_role("link", name="Robin Quill").click()
    expect(page.locator("dl.facts")).to_contain_text(re.compile(r"9:00.12:00 P[SD]T"))
    page.get_by_role("button", name="Convert to patient").click()
    patient = Patient.objects.get(last_name="Quill")
    expect(page).to_have_url(re.compile(rf"/patients/{patient.pk}/"))
    expect(page.locator("body")).to_contain_text(patient.record_number)
    page.get_by_role("button", name="Sign out").click()

    # 3. The clinic admin signs in with two-factor and sees each step in the audit trail.
    device = TOTPDevice.objects.get(user=staff["clinic_admin"])
    sign_in(page, base, staff["clinic_admin"].username)
    expect(page).to_have_url(re.compile(r"/accounts/verify/"))
    page.fill("input[name=token]", f"{TOTP(device.bin_key).token():06d}")
    page.click("button[type=submit]")
    page.goto(f"{base}/audit/")
    trail = page.locator("table")
    expect(trail).to_contain_text("Robin Quill")
    expect(trail).to_contain_text(patient.record_number)
    expect(trail).to_contain_text(staff["front_desk"].username)
    page.goto(f"{base}/audit/?action=create")
    expect(page.locator("table")).to_contain_text("patients.patient")
    page.goto(f"{base}/audit/?action=login")
    expect(page.locator("table")).to_contain_text(staff["front_desk"].username)
