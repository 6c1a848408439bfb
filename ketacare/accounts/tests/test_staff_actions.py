"""Staff management actions and the invitation primitives (accounts/actions.py, accounts/invitations.py)."""

import datetime as dt
import hashlib
import re

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts.actions import (
    do_accept_staff_invitation,
    do_change_staff_member,
    do_create_api_token,
    do_deactivate_user,
    do_invite_staff,
    do_reactivate_user,
    do_resend_invitation,
    do_reset_two_factor,
    do_unlock_user,
)
from ketacare.accounts.domain.roles import Role
from ketacare.accounts.invitations import issue_invitation, open_invitation
from ketacare.accounts.models import ApiToken, Invitation, InvitationPurpose, User, UserSession
from ketacare.accounts.selectors import sign_in_facts, staff_members
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.outbox.actions import dispatch_outbox
from ketacare.outbox.models import MailKind, OutgoingMessage

NEW_PASSWORD = "tidal-lantern-91-meadow"


def _secret_from_mail(message: OutgoingMessage) -> str:
    return re.search(r"/accounts/invitation/([\w-]+)/", message.body).group(1)


def _events(user, event):
    return AuditEntry.objects.filter(action=AuditAction.SECURITY, object_id=str(user.pk), detail__event=event)


@pytest.fixture
def admin(staff):
    return staff["clinic_admin"]


@pytest.fixture
def invited(admin, portland):
    return do_invite_staff(
        admin,
        email="Nina.Nurse@Example.org",
        first_name="Nina",
        last_name="Nurse",
        role="nurse",
        title="RN",
        location_ids=[str(portland.pk)],  # as a form's choices give them
        home_location_id=portland.pk,
    )


def test_invite_creates_an_inactive_user_queues_the_mail_and_stores_only_the_hash(invited, admin, portland):
    assert invited.username == "nina.nurse@example.org" and not invited.is_active
    assert not invited.has_usable_password()
    assert list(invited.work_locations.all()) == [portland] and invited.organisation == admin.organisation
    mail = OutgoingMessage.objects.get(kind=MailKind.INVITATION, to="nina.nurse@example.org")
    secret = _secret_from_mail(mail)
    assert mail.body.startswith("Hello Nina") and "http://testserver/accounts/invitation/" in mail.body
    invitation = Invitation.objects.get(user=invited)
    assert invitation.token_sha256 == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(Invitation.objects.values().get())
    assert invitation.expires_at - invitation.created_at == dt.timedelta(hours=72)
    assert _events(invited, "staff_invited").count() == 1


def test_invite_refuses_a_duplicate_email_a_patient_role_and_other_clinics_locations(admin, staff, other_org):
    with pytest.raises(ValidationError) as duplicate:
        do_invite_staff(admin, email=staff["nurse"].email.upper(), first_name="A", last_name="B", role="nurse")
    assert "email" in duplicate.value.message_dict
    with pytest.raises(ValidationError) as patient_role:
        do_invite_staff(admin, email="x@example.org", first_name="A", last_name="B", role="patient")
    assert "role" in patient_role.value.message_dict
    elsewhere = other_org.locations.first()
    with pytest.raises(ValidationError) as location:
        do_invite_staff(
            admin, email="x@example.org", first_name="A", last_name="B", role="nurse", location_ids=[elsewhere.pk]
        )
    assert "locations" in location.value.message_dict
    assert not User.objects.filter(username="x@example.org").exists()


def test_only_clinic_admins_manage_staff(staff):
    for role in ("front_desk", "nurse", "prescriber", "therapist"):
        with pytest.raises(PermissionDenied):
            do_invite_staff(staff[role], email="x@example.org", first_name="A", last_name="B", role="nurse")


def test_staff_of_another_organisation_and_patients_are_not_found(admin, other_staff, patient):
    for user in (other_staff["nurse"], patient.user):
        with pytest.raises(Http404):
            do_deactivate_user(admin, user.pk, reason="left")
        with pytest.raises(Http404):
            do_change_staff_member(admin, user.pk, role="nurse", title="", location_ids=[], home_location_id=None)
    assert User.objects.get(pk=other_staff["nurse"].pk).is_active


def test_accepting_activates_sets_the_password_and_spends_the_link(invited):
    secret = _secret_from_mail(OutgoingMessage.objects.get(kind=MailKind.INVITATION))
    member = do_accept_staff_invitation(secret, password=NEW_PASSWORD, password_again=NEW_PASSWORD)
    member.refresh_from_db()
    assert member.is_active and member.check_password(NEW_PASSWORD)
    assert _events(member, "invitation_accepted").count() == 1
    with pytest.raises(ValidationError, match="already used"):
        do_accept_staff_invitation(secret, password=NEW_PASSWORD, password_again=NEW_PASSWORD)


def test_accepting_checks_the_password_with_djangos_validators(invited):
    secret = _secret_from_mail(OutgoingMessage.objects.get(kind=MailKind.INVITATION))
    with pytest.raises(ValidationError) as short:
        do_accept_staff_invitation(secret, password="short", password_again="short")
    assert "password" in short.value.message_dict
    with pytest.raises(ValidationError) as differ:
        do_accept_staff_invitation(secret, password=NEW_PASSWORD, password_again=NEW_PASSWORD + "x")
    assert "password_again" in differ.value.message_dict
    assert not User.objects.get(pk=invited.pk).is_active


def test_an_expired_or_replaced_or_unknown_link_says_so(invited, admin):
    first = _secret_from_mail(OutgoingMessage.objects.get(kind=MailKind.INVITATION))
    do_resend_invitation(admin, invited.pk)
    second = _secret_from_mail(OutgoingMessage.objects.filter(kind=MailKind.INVITATION).latest("id"))
    with pytest.raises(ValidationError, match="replaced by a newer one"):
        open_invitation(first, purpose=InvitationPurpose.STAFF)
    assert open_invitation(second, purpose=InvitationPurpose.STAFF).user == invited
    Invitation.objects.filter(user=invited).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="expired"):
        open_invitation(second, purpose=InvitationPurpose.STAFF)
    with pytest.raises(ValidationError, match="not valid"):
        open_invitation("nonsense", purpose=InvitationPurpose.STAFF)
    with pytest.raises(ValidationError, match="not valid"):  # a staff link is no patient link
        open_invitation(issue_invitation(invited, purpose="staff", created_by=admin), purpose="patient")


def test_resend_refuses_someone_who_already_accepted(admin, staff):
    with pytest.raises(ValidationError, match="already accepted"):
        do_resend_invitation(admin, staff["nurse"].pk)


def test_deactivation_ends_open_sessions_and_revokes_api_tokens(admin, staff, client, signed_in):
    nurse = staff["nurse"]
    do_create_api_token(nurse, "script")
    signed_in(nurse)
    assert client.get("/accounts/preferences/").status_code == 200
    do_deactivate_user(admin, nurse.pk, reason="Left the clinic")
    nurse.refresh_from_db()
    assert not nurse.is_active
    assert not ApiToken.objects.active().filter(user=nurse).exists()
    assert not any(s.get_decoded().get("_auth_user_id") == str(nurse.pk) for s in UserSession.objects.all())
    assert client.get("/accounts/preferences/").status_code == 302
    assert _events(nurse, "user_deactivated").get().detail["reason"] == "Left the clinic"
    do_reactivate_user(admin, nurse.pk)
    assert User.objects.get(pk=nurse.pk).is_active


def test_deactivating_an_invitee_withdraws_the_link(admin, invited):
    secret = _secret_from_mail(OutgoingMessage.objects.get(kind=MailKind.INVITATION))
    do_deactivate_user(admin, invited.pk, reason="Did not start")
    with pytest.raises(ValidationError, match="withdrawn"):
        open_invitation(secret, purpose=InvitationPurpose.STAFF)
    with pytest.raises(ValidationError, match="never accepted"):
        do_reactivate_user(admin, invited.pk)


def test_the_last_active_clinic_admin_can_neither_leave_nor_lose_the_role(admin, staff, make_user, org):
    second_admin = make_user(org, Role.CLINIC_ADMIN, "second_admin")
    do_change_staff_member(second_admin, admin.pk, role="nurse", title="", location_ids=[], home_location_id=None)
    with pytest.raises(ValidationError, match="last active clinic admin") as demote:
        do_change_staff_member(
            second_admin, second_admin.pk, role="nurse", title="", location_ids=[], home_location_id=None
        )
    assert "role" in demote.value.message_dict
    third = make_user(org, Role.CLINIC_ADMIN, "third_admin")
    do_deactivate_user(third, second_admin.pk, reason="left")
    with pytest.raises(ValidationError, match="cannot deactivate your own"):
        do_deactivate_user(third, third.pk, reason="left")
    assert User.objects.filter(organisation=org, role="clinic_admin", is_active=True).count() == 1


def test_change_staff_member_is_audited_with_before_and_after(admin, staff, portland):
    do_change_staff_member(
        admin, staff["nurse"].pk, role="prescriber", title="NP", location_ids=[portland.pk], home_location_id=None
    )
    detail = _events(staff["nurse"], "staff_changed").get().detail
    assert detail["before"]["role"] == "nurse" and detail["after"]["role"] == "prescriber"
    assert detail["after"]["locations"] == [portland.pk]


def test_unlock_clears_the_failed_attempts(admin, staff, client, settings):
    nurse = staff["nurse"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": nurse.username, "password": "wrong"})
    assert sign_in_facts([nurse])[nurse.pk].locked_out
    do_unlock_user(admin, nurse.pk)
    assert not AccessAttempt.objects.filter(username=nurse.username).exists()
    assert not sign_in_facts([nurse])[nurse.pk].locked_out
    assert _events(nurse, "user_unlocked").exists()


def test_two_factor_reset_deletes_the_devices(admin, staff):
    prescriber = staff["prescriber"]
    do_reset_two_factor(admin, prescriber.pk, reason="Lost phone")
    assert not TOTPDevice.objects.filter(user=prescriber).exists()
    assert _events(prescriber, "two_factor_reset").get().detail["reason"] == "Lost phone"
    with pytest.raises(ValidationError, match="no two-factor device"):
        do_reset_two_factor(admin, prescriber.pk, reason="again")


def test_staff_members_lists_own_staff_only_and_filters(admin, staff, other_staff, invited, portland, patient):
    everyone = set(staff_members(admin))
    assert set(staff.values()) | {invited} == everyone
    assert set(staff_members(admin, location_id=portland.pk)) == {invited}
    assert set(staff_members(admin, active=False)) == {invited}
    assert set(staff_members(admin, role="nurse", active=True)) == {staff["nurse"]}
    facts = sign_in_facts([invited])[invited.pk]
    assert facts.invitation_pending and facts.last_login is None
    with pytest.raises(PermissionDenied):
        staff_members(staff["nurse"])


def test_an_invitation_mail_withdrawn_before_it_went_out_is_dropped(admin, invited, smtp_server):
    do_deactivate_user(admin, invited.pk, reason="Hired by mistake")
    result = dispatch_outbox()
    assert (result.sent, result.dropped) == (0, 1) and smtp_server.messages == []
    do_invite_staff(admin, email="second@example.org", first_name="Sam", last_name="Second", role="therapist")
    assert dispatch_outbox().sent == 1 and smtp_server.messages[0]["To"] == "second@example.org"
