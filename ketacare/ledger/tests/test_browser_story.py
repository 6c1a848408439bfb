"""In a real browser: a nurse receives a vial, wastes from it with a witness who re-enters their
password (a wrong one first: nothing booked), records a count that differs, and a prescriber
resolves the discrepancy; the balance on the page follows each step."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from ketacare.clinics.models import Location
from ketacare.ledger.models import LedgerEntry, Vial

pytestmark = pytest.mark.django_db(transaction=True)


def test_receipt_waste_count_and_resolution(
    page: Page, live_server, staff, org, make_products, password, browser_sign_in
):
    make_products(staff["clinic_admin"])
    portland = Location.objects.get(organisation=org, name="Harbor Portland")
    base = live_server.url
    page.set_default_timeout(15000)

    browser_sign_in(page, base, staff["nurse"])
    page.goto(f"{base}/ledger/locations/{portland.pk}/receive/")
    page.select_option("select[name=product_id]", label="Ketamine HCl 50 mg/mL (50 mg/mL)")
    page.fill("input[name=lot]", "K123")
    page.fill("input[name=expiry_date]", (dt.date.today() + dt.timedelta(days=200)).isoformat())
    page.fill("input[name=container_count]", "1")
    page.fill("input[name=supplier_name]", "Acme Pharma")
    page.fill("textarea[name=supplier_address]", "1 Main St, Reno NV")
    page.fill("input[name=supplier_dea_number]", "RA1234563")
    page.fill("input[name=invoice_number]", "INV-77")
    page.get_by_role("button", name="Record").click()
    expect(page.locator(".messages")).to_contain_text("K123-1")
    page.get_by_role("link", name="K123-1").click()
    expect(page.get_by_test_id("vial-balance")).to_have_text("500.000 mg")

    waste = page.locator("form", has=page.get_by_role("button", name="Record waste"))
    waste.locator("input[name=quantity_mg]").fill("15")
    waste.locator("input[name=reason]").fill("remainder after dose")
    waste.locator("select[name=witness]").select_option(str(staff["prescriber"].pk))
    waste.locator("input[name=witness_password]").fill("not the password")
    waste.get_by_role("button", name="Record waste").click()
    expect(page.locator("body")).to_contain_text("password is not right")
    assert not LedgerEntry.objects.filter(kind="waste").exists()

    waste = page.locator("form", has=page.get_by_role("button", name="Record waste"))
    waste.locator("input[name=quantity_mg]").fill("15")
    waste.locator("input[name=reason]").fill("remainder after dose")
    waste.locator("select[name=witness]").select_option(str(staff["prescriber"].pk))
    waste.locator("input[name=witness_password]").fill(password)
    waste.get_by_role("button", name="Record waste").click()
    expect(page.get_by_test_id("vial-balance")).to_have_text("485.000 mg")

    count = page.locator("form", has=page.get_by_role("button", name="Record count"))
    count.locator("input[name=counted_mg]").fill("480")
    count.get_by_role("button", name="Record count").click()
    expect(page.locator("table.ledger-entries")).to_contain_text("difference -5.000")
    page.get_by_role("button", name="Sign out").click()

    browser_sign_in(page, base, staff["prescriber"])
    page.goto(f"{base}/ledger/")
    page.get_by_role("link", name="resolve").click()
    page.fill("input[name=reason]", "spill while drawing, seen by both nurses")
    page.get_by_role("button", name="Record").click()
    expect(page).to_have_url(re.compile(r"/ledger/vials/\d+/"))
    expect(page.get_by_test_id("vial-balance")).to_have_text("480.000 mg")
    vial = Vial.objects.get(identifier="K123-1")
    assert vial.balance_mg == Decimal("480") == sum(e.quantity_mg for e in vial.entries.all())
