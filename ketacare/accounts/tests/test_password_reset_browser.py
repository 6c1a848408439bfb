"""Browser story (Playwright, Debian's chromium, a real SMTP server): a prescriber forgets the password,
resets it from the mailed link, enrols an authenticator app and signs in."""

import base64
import re

import pytest
from django.core.cache import cache
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from ketacare.accounts.domain.roles import Role
from ketacare.outbox.actions import dispatch_outbox

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "harbour-quartz-57-willow"


def _mailed_link(message) -> str:
    body = message.get_payload(decode=True).decode()
    return re.search(r"https?://\S+/accounts/password/reset/\S+/", body).group(0)


def test_forgotten_password_to_two_factor_sign_in(page: Page, live_server, org, make_user, smtp_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    cache.clear()  # the reset rate limits count in the cache
    base = live_server.url
    page.set_default_timeout(15000)
    prescriber = make_user(org, Role.PRESCRIBER, "presley_harbor")
    TOTPDevice.objects.filter(user=prescriber).delete()  # a new phone: nothing enrolled yet

    # 1. From the sign-in page to "check your email"; the reset mail goes out through the outbox.
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.fill("input[name=email]", prescriber.email)
    page.get_by_role("button", name="Send me a reset link").click()
    expect(page.locator("h1")).to_have_text("Check your email")
    assert dispatch_outbox().sent == 1
    [message] = smtp_server.messages
    assert message["To"] == prescriber.email

    # 2. The link opens the new-password form; Django's validators speak up; the new password is set.
    page.goto(_mailed_link(message))
    page.fill("input[name=new_password1]", "short")
    page.fill("input[name=new_password2]", "short")
    page.get_by_role("button", name="Set new password").click()
    expect(page.locator(".errorlist")).to_contain_text("too short")
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.get_by_role("button", name="Set new password").click()
    expect(page.locator("h1")).to_have_text("Your new password is set")

    # 3. Sign in: a prescriber must enrol an authenticator app first (the key shown on the page).
    page.get_by_role("link", name="Sign in").click()
    page.fill("input[name=username]", prescriber.username)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/$"))
    key = base64.b32decode(page.locator("code").inner_text())
    page.fill("input[name=token]", f"{TOTP(key).token():06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert TOTPDevice.objects.get(user=prescriber).confirmed

    # 4. The reset link is spent; signing in again asks for the new password and a code.
    page.goto(_mailed_link(message))
    expect(page.locator("h1")).to_have_text("This link cannot be used")
    page.goto(f"{base}/accounts/me/")
    expect(page.locator("body")).to_contain_text("Set up: sign-in asks for a code")
    page.get_by_role("button", name="Sign out").click()
    page.fill("input[name=username]", prescriber.username)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    device = TOTPDevice.objects.get(user=prescriber)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # a code of the same 30 s is refused as reused
    page.fill("input[name=token]", f"{TOTP(device.bin_key).token():06d}")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
