"""Forgotten passwords (accounts/password_reset.py): outbox mail, no enumeration, expiry, rate limits."""

import datetime as dt
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.test import Client

from ketacare.accounts.models import User
from ketacare.audit.models import AuditEntry
from ketacare.outbox.models import MailKind, OutgoingMessage

NEW_PASSWORD = "tidal-lantern-91-meadow"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The limits count in the cache, which outlives a test."""
    cache.clear()


def _reset_mails():
    return OutgoingMessage.objects.filter(kind=MailKind.PASSWORD_RESET)


def _link(message):
    return re.search(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)", message.body).group(1)


def test_the_same_answer_whether_or_not_the_address_has_an_account(client, staff):
    known = client.post("/accounts/password/reset/", {"email": staff["nurse"].email.upper()})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302 and known.url == unknown.url
    # The page differs by nothing but the CSRF token every page carries.
    without_token = [
        re.sub(r'"X-CSRFToken": "\w+"', "", client.get(url).content.decode()) for url in (known.url, unknown.url)
    ]
    assert without_token[0] == without_token[1]
    assert [message.to for message in _reset_mails()] == [staff["nurse"].email]
    assert AuditEntry.objects.filter(detail__event="password_reset_requested").count() == 1


def test_the_login_page_offers_the_reset(client):
    assert "/accounts/password/reset/" in client.get("/accounts/login/").content.decode()


def test_a_reset_sets_the_password_ends_every_session_unlocks_and_works_once(client, staff, settings):
    nurse = staff["nurse"]
    signed_in_elsewhere = Client()
    signed_in_elsewhere.force_login(nurse)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": nurse.username, "password": "wrong"})
    client.post("/accounts/password/reset/", {"email": nurse.email})
    link = _link(_reset_mails().get())
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    refused = client.post(set_url, {"new_password1": "short", "new_password2": "short"})
    assert "too short" in refused.content.decode()
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.url == "/accounts/password/reset/done/"
    assert User.objects.get(pk=nurse.pk).check_password(NEW_PASSWORD)
    assert signed_in_elsewhere.get("/accounts/me/").status_code == 302
    signed_in = client.post("/accounts/login/", {"username": nurse.username, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302  # the lockout was cleared
    spent = Client().get(link, follow=True)
    assert "already used, has expired" in spent.content.decode()
    assert AuditEntry.objects.filter(detail__event="password_reset", object_id=str(nurse.pk)).exists()


def test_a_reset_link_expires_after_an_hour(client, staff, settings, monkeypatch):
    assert settings.PASSWORD_RESET_TIMEOUT == 60 * 60
    client.post("/accounts/password/reset/", {"email": staff["nurse"].email})
    link = _link(_reset_mails().get())
    monkeypatch.setattr(default_token_generator, "_now", lambda: dt.datetime.now() + dt.timedelta(minutes=61))
    assert "has expired" in client.get(link, follow=True).content.decode()


def test_requests_for_one_address_are_limited_silently(client, staff, settings):
    settings.PASSWORD_RESET_ACCOUNT_LIMIT = 2
    answers = {client.post("/accounts/password/reset/", {"email": staff["nurse"].email}).url for _ in range(4)}
    assert answers == {"/accounts/password/reset/sent/"}
    assert _reset_mails().count() == 2


def test_requests_from_one_client_address_are_limited(client, staff, settings):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 2
    for number in range(2):
        client.post("/accounts/password/reset/", {"email": f"someone{number}@example.org"})
    refused = client.post("/accounts/password/reset/", {"email": staff["nurse"].email})
    assert refused.status_code == 429 and "Too many reset requests" in refused.content.decode()
    assert not _reset_mails().exists()


def test_the_locked_out_page_says_what_can_be_done_now(client, staff, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": staff["nurse"].username, "password": "wrong"})
    page = client.post("/accounts/login/", {"username": staff["nurse"].username, "password": "wrong"})
    text = page.content.decode()
    assert "unlock it now" in text and 'href="/accounts/password/reset/"' in text
