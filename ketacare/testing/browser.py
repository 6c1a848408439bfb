"""Browser stories: Debian's chromium for pytest-playwright, and the steps every story repeats."""

import os

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from ketacare.testing.personas import PASSWORD

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
    }


def sign_in(page, base: str, user) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        # django-otp refuses a code used before; a second sign-in within the same 30 s needs a fresh one.
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
        page.fill("input[name=token]", f"{TOTP(device.bin_key).token():06d}")
        page.click("button[type=submit]")
        expect(page.locator("input[name=token]")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


def record_vitals(page, systolic, diastolic, hr=78, spo2=98) -> None:
    """Record a set on the session page and wait for its row (the panel is swapped by htmx)."""
    rows = page.locator("#vitals-table tbody tr")
    before = rows.count()
    form = page.locator("#form-vitals")
    form.get_by_label("Systolic (mmHg)").fill(str(systolic))
    form.get_by_label("Diastolic (mmHg)").fill(str(diastolic))
    form.get_by_label("Heart rate (/min)").fill(str(hr))
    form.get_by_label("SpO2 (%)").fill(str(spo2))
    form.get_by_role("button", name="Save vital signs").click()
    expect(rows).to_have_count(before + 1)


@pytest.fixture
def browser_sign_in():
    """browser_sign_in(page, base_url, user): the sign-in page with the persona's password, and the TOTP
    step where the user has a device; returns once the page offers "Sign out"."""
    return sign_in


@pytest.fixture
def browser_sign_out():
    """browser_sign_out(page): the "Sign out" button."""
    return sign_out


@pytest.fixture
def browser_record_vitals():
    """browser_record_vitals(page, systolic, diastolic, hr=78, spo2=98) on a treatment session's page."""
    return record_vitals
