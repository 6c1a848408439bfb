"""The invitation page, "My account" and changing one's password (accounts/views.py)."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts.actions import do_invite_staff
from ketacare.accounts.models import Invitation, User, UserSession
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.outbox.models import MailKind, OutgoingMessage

NEW_PASSWORD = "tidal-lantern-91-meadow"


def _invite(admin, role="nurse"):
    member = do_invite_staff(admin, email=f"new.{role}@example.org", first_name="Nina", last_name="New", role=role)
    body = OutgoingMessage.objects.filter(kind=MailKind.INVITATION).latest("id").body
    return member, re.search(r"http://testserver(/accounts/invitation/[\w-]+/)", body).group(1)


def test_the_invitation_page_names_the_clinic_and_role_and_signs_in(client, staff, org):
    member, link = _invite(staff["clinic_admin"])
    page = client.get(link).content.decode()
    assert org.name in page and "Nurse" in page and member.username in page
    assert "at least 10 characters" in page  # the validators' help text
    refused = client.post(link, {"password": "short", "password_again": "short"})
    assert "too short" in refused.content.decode() and not User.objects.get(pk=member.pk).is_active
    response = client.post(link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == "/"
    assert client.session["_auth_user_id"] == str(member.pk)
    again = client.get(link)
    assert again.status_code == 200 and "already used" in again.content.decode()


def test_a_prescriber_is_sent_to_enrol_two_factor_after_accepting(client, staff):
    _, link = _invite(staff["clinic_admin"], role="prescriber")
    client.post(link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert client.get("/").url == "/accounts/two-factor/"


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (lambda member: Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1)), "expired"),
        (lambda member: Invitation.objects.update(used_at=timezone.now()), "already used"),
    ],
)
def test_an_unusable_link_says_why_without_an_error(client, staff, spoil, says):
    member, link = _invite(staff["clinic_admin"])
    spoil(member)
    for response in (client.get(link), client.post(link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})):
        assert response.status_code == 200 and says in response.content.decode()
    assert client.get("/accounts/invitation/not-a-real-link/").status_code == 200


def test_change_password_needs_the_current_one_keeps_this_session_and_ends_the_others(
    client, staff, signed_in, password
):
    from django.test import Client

    nurse = staff["nurse"]
    other_browser = Client()
    other_browser.force_login(nurse)
    signed_in(nurse)
    wrong = client.post(
        "/accounts/password/",
        {"current_password": "nope", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert "not your current password" in wrong.content.decode()
    response = client.post(
        "/accounts/password/",
        {"current_password": password, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response.url == "/accounts/me/"
    assert User.objects.get(pk=nurse.pk).check_password(NEW_PASSWORD)
    assert client.get("/accounts/me/").status_code == 200
    assert other_browser.get("/accounts/me/").status_code == 302
    assert UserSession.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.SECURITY, detail__event="password_changed").exists()


def test_my_account_edits_name_and_email_with_validation(client, staff, signed_in):
    nurse = staff["nurse"]
    signed_in(nurse)
    page = client.get("/accounts/me/").content.decode()
    assert "/accounts/password/" in page and "/accounts/tokens/" in page and "/scheduling/calendar-feed/" in page
    taken = client.post("/accounts/me/", {"first_name": "N", "last_name": "T", "email": staff["front_desk"].email})
    assert "Another account of your clinic" in taken.content.decode()
    assert (
        "Enter a valid email"
        in client.post("/accounts/me/", {"first_name": "N", "last_name": "T", "email": "nope"}).content.decode()
    )
    client.post("/accounts/me/", {"first_name": "Nora", "last_name": "Tester", "email": "nora@example.org"})
    nurse.refresh_from_db()
    assert (nurse.first_name, nurse.email) == ("Nora", "nora@example.org")
    entry = AuditEntry.objects.get(detail__event="account_details_changed")
    assert entry.detail["fields"] == ["first_name", "email"]


def test_a_patient_has_my_account_without_api_tokens(client, patient, signed_in):
    signed_in(patient.user)
    page = client.get("/accounts/me/").content.decode()
    assert "/accounts/tokens/" not in page.split("<main")[1] and "/accounts/password/" in page


def test_replacing_my_authenticator_needs_my_password(client, staff, signed_in, password):
    prescriber = staff["prescriber"]
    signed_in(prescriber)
    client.post("/accounts/me/two-factor/replace/", {"password": "wrong"})
    assert TOTPDevice.objects.filter(user=prescriber).exists()
    response = client.post("/accounts/me/two-factor/replace/", {"password": password})
    assert response.url == "/accounts/two-factor/" and not TOTPDevice.objects.filter(user=prescriber).exists()
