"""Patient portal accounts (issue 15.3): staff invite from the chart, the patient activates the account
with their date of birth and a password, staff end and restore access; the links are single use, expire
and lock after repeated wrong dates of birth."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from ketacare.accounts.models import Invitation
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.outbox.models import MailKind, OutgoingMessage
from ketacare.portal import actions
from ketacare.portal.models import LinkDateOfBirthCheck

NEW_PASSWORD = "violet ferry lantern 42"
LINK = re.compile(r"http://testserver(/portal/activate/[^/\s]+/)")


@pytest.fixture
def newcomer(org, make_patient):
    """A patient of Harbor with no portal account yet."""
    return make_patient(org, 7, first_name="Nia", last_name="Newcomer", date_of_birth=dt.date(1979, 6, 30))


def invite(staff, patient, email="nia@example.org"):
    """Invite as front desk; returns the path of the mailed activation link."""
    actions.do_invite_patient_to_portal(staff["front_desk"], patient.pk, email=email)
    mail = OutgoingMessage.objects.filter(kind=MailKind.INVITATION, to=email).latest("pk")
    return LINK.search(mail.body).group(1)


def activation(date_of_birth="1979-06-30", password=NEW_PASSWORD, again=None):
    return {
        "date_of_birth": date_of_birth,
        "password": password,
        "password_again": password if again is None else again,
    }


def account_of(patient):
    patient.refresh_from_db()
    return patient.user


def events(name):
    return [entry for entry in AuditEntry.objects.order_by("sequence") if entry.detail.get("event") == name]


def test_front_desk_invites_a_patient_an_inactive_account_is_bound_and_the_mail_queued(staff, newcomer):
    path = invite(staff, newcomer)

    newcomer.refresh_from_db()
    account = newcomer.user
    assert (account.username, account.email, account.role) == ("nia@example.org", "nia@example.org", "patient")
    assert account.organisation == newcomer.organisation
    assert not account.is_active and not account.has_usable_password()
    mail = OutgoingMessage.objects.get(kind=MailKind.INVITATION)
    assert mail.reference == f"accounts.user:{account.pk}"
    assert "1979" not in mail.body and newcomer.record_number not in mail.body  # no record details by email
    assert "nia@example.org" in mail.body and "988" in mail.body
    [entry] = events("portal_invited")
    assert (entry.actor, entry.patient, entry.action) == (staff["front_desk"], newcomer, AuditAction.SECURITY)
    assert path.startswith("/portal/activate/")


def test_activation_with_the_right_date_of_birth_sets_the_password_and_signs_the_patient_in(client, staff, newcomer):
    path = invite(staff, newcomer)
    page = client.get(path)
    assert page.status_code == 200 and "Harbor" in page.content.decode()

    response = client.post(path, activation())

    assert response.status_code == 302 and response.url == reverse("portal:home")
    account = account_of(newcomer)
    assert account.is_active and account.check_password(NEW_PASSWORD)
    assert "Hello, Nia" in client.get(reverse("portal:home")).content.decode()
    assert len(events("portal_activated")) == 1


def test_a_used_link_says_so_and_changes_nothing(client, staff, newcomer):
    path = invite(staff, newcomer)
    client.post(path, activation())
    client.logout()

    again = client.post(path, activation(password="another long password 77"))

    assert again.status_code == 410
    assert "already used" in again.content.decode()
    assert account_of(newcomer).check_password(NEW_PASSWORD)


def test_an_expired_link_says_so(client, staff, newcomer):
    path = invite(staff, newcomer)
    Invitation.objects.update(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))

    for response in (client.get(path), client.post(path, activation())):
        assert response.status_code == 410
        assert "expired" in response.content.decode()
    assert not account_of(newcomer).is_active


def test_a_wrong_date_of_birth_is_refused_counted_and_locks_the_link_after_five(client, staff, newcomer):
    path = invite(staff, newcomer)

    for tries_left in (4, 3, 2, 1):
        response = client.post(path, activation(date_of_birth="1979-07-01"))
        assert response.status_code == 422
        html = response.content.decode()
        assert "does not match the clinic" in html and f"{tries_left} tr" in html
    fifth = client.post(path, activation(date_of_birth="1980-01-01"))
    assert "locked" in fifth.content.decode()

    right_date = client.post(path, activation())
    assert right_date.status_code == 410 and "locked after 5 wrong dates of birth" in right_date.content.decode()
    assert not account_of(newcomer).is_active
    assert [entry.detail["wrong"] for entry in events("portal_wrong_date_of_birth")] == [1, 2, 3, 4, 5]
    assert LinkDateOfBirthCheck.objects.get().is_locked
    # A new link from the clinic starts afresh.
    fresh = invite(staff, newcomer)
    assert client.post(fresh, activation()).status_code == 302


def test_a_password_that_fails_the_validators_is_refused_on_its_field_and_not_counted(client, staff, newcomer):
    path = invite(staff, newcomer)

    short = client.post(path, activation(password="short"))
    differs = client.post(path, activation(again="something else entirely 9"))

    assert short.status_code == differs.status_code == 422
    assert "too short" in short.content.decode()
    assert "The two passwords differ" in differs.content.decode()
    assert not LinkDateOfBirthCheck.objects.exists()
    assert not account_of(newcomer).is_active


def test_inviting_again_before_activation_sends_a_new_link_and_the_old_one_stops(client, staff, newcomer):
    first = invite(staff, newcomer)
    second = invite(staff, newcomer, email="nia.new@example.org")

    assert "replaced by a newer one" in client.get(first).content.decode()
    assert client.post(second, activation()).status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.user.username == "nia.new@example.org"
    assert get_user_model().objects.filter(role="patient", patient_record__isnull=True).count() == 0
    assert len(events("portal_invitation_resent")) == 1


def test_a_record_that_already_has_an_active_account_is_refused(staff, patient):
    with pytest.raises(ValidationError) as refused:
        actions.do_invite_patient_to_portal(staff["front_desk"], patient.pk, email="someone@example.org")

    assert "already has an active portal account" in refused.value.message_dict["email"][0]
    assert not OutgoingMessage.objects.filter(kind=MailKind.INVITATION).exists()


def test_an_address_another_account_signs_in_with_is_refused(staff, newcomer, org, make_patient):
    invite(staff, make_patient(org, 8), email="shared@example.org")
    with pytest.raises(ValidationError) as refused:
        actions.do_invite_patient_to_portal(staff["front_desk"], newcomer.pk, email="Shared@Example.org")

    assert "Another account already signs in with this email address" in refused.value.message_dict["email"][0]
    newcomer.refresh_from_db()
    assert newcomer.user is None


def test_another_organisations_patient_is_not_found(client, signed_in, staff, other_org_patient):
    with pytest.raises(Http404):
        actions.do_invite_patient_to_portal(staff["front_desk"], other_org_patient.pk, email="x@example.org")
    response = signed_in(staff["front_desk"]).post(
        reverse("portal_accounts:invite", args=[other_org_patient.pk]), {"email": "x@example.org"}
    )
    assert response.status_code == 404
    other_org_patient.refresh_from_db()
    assert other_org_patient.user is None


def test_a_deactivated_patient_is_signed_out_and_cannot_sign_in_until_reactivated(client, staff, patient, password):
    client.force_login(patient.user)
    assert client.get(reverse("portal:home")).status_code == 200

    actions.do_deactivate_portal_account(staff["front_desk"], patient.pk, reason="Left the clinic")

    assert client.get(reverse("portal:home")).status_code == 302  # the open session ended at once
    sign_in = {"username": patient.user.username, "password": password}
    refused = client.post(reverse("accounts:login"), sign_in)
    assert refused.status_code == 200 and "_auth_user_id" not in client.session  # the form again, not signed in
    [entry] = events("portal_deactivated")
    assert entry.detail["reason"] == "Left the clinic" and entry.patient == patient

    with pytest.raises(ValidationError, match="Reactivate it"):
        actions.do_invite_patient_to_portal(staff["front_desk"], patient.pk, email="pat1@example.org")
    actions.do_reactivate_portal_account(staff["clinic_admin"], patient.pk)
    client.post(reverse("accounts:login"), sign_in)
    assert client.get(reverse("portal:home")).status_code == 200


def test_deactivating_needs_a_reason_and_withdraws_an_unused_invitation(client, staff, newcomer):
    path = invite(staff, newcomer)
    with pytest.raises(ValidationError) as refused:
        actions.do_deactivate_portal_account(staff["front_desk"], newcomer.pk, reason=" ")
    assert "reason" in refused.value.message_dict

    actions.do_deactivate_portal_account(staff["front_desk"], newcomer.pk, reason="Wrong address")

    assert "withdrawn" in client.get(path).content.decode()
    with pytest.raises(ValidationError, match="never activated"):
        actions.do_reactivate_portal_account(staff["front_desk"], newcomer.pk)
    assert client.post(invite(staff, newcomer), activation()).status_code == 302  # a new invitation works


def test_the_panel_shows_the_account_to_staff_and_the_buttons_to_front_desk_only(signed_in, staff, patient, newcomer):
    patient.user.last_login = dt.datetime(2026, 3, 2, 17, 5, tzinfo=dt.UTC)
    patient.user.save(update_fields=["last_login"])

    desk = signed_in(staff["front_desk"]).get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert 'id="portal-account"' in desk and "Active" in desk and "last signed in 2026-03-02" in desk
    assert reverse("portal_accounts:deactivate", args=[patient.pk]) in desk

    nurse = signed_in(staff["nurse"]).get(reverse("patients:detail", args=[newcomer.pk])).content.decode()
    assert "has no portal account" in nurse
    assert reverse("portal_accounts:invite", args=[newcomer.pk]) not in nurse


def test_the_invite_button_reports_a_refusal_as_a_message(signed_in, staff, patient):
    response = signed_in(staff["front_desk"]).post(
        reverse("portal_accounts:invite", args=[patient.pk]), {"email": "someone@example.org"}, follow=True
    )
    assert "No invitation sent. Email: Pat1 Example1 already has an active portal account" in (
        response.content.decode().replace("&#x27;", "'")
    )
