"""Staff actions that span accounts and scheduling: one transaction, nothing changed on refusal."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ketacare.accounts.actions import do_reactivate_user
from ketacare.accounts.domain.roles import Role
from ketacare.accounts.models import ApiToken, User, UserSession
from ketacare.audit.models import AuditEntry
from ketacare.outbox.models import MailKind, OutgoingMessage
from ketacare.scheduling.actions.feeds import do_create_calendar_feed
from ketacare.scheduling.models import CalendarFeed, StaffSkill
from ketacare.staff import actions

pytestmark = pytest.mark.django_db


def invite(admin, location, **overrides):
    fields = {
        "email": "Nora.Nurse@Example.org",
        "first_name": "Nora",
        "last_name": "Nurse",
        "role": "nurse",
        "title": "RN",
        "location_ids": [location.pk],
        "home_location_id": location.pk,
        "skills": ["monitor", "administer_iv"],
    }
    return actions.do_invite_staff_member(admin, **{**fields, **overrides})


def snapshot():
    """What a refused write must leave as it was."""
    return (
        list(User.objects.order_by("pk").values_list("pk", "role", "is_active", "title", "home_location_id")),
        sorted(StaffSkill.objects.values_list("user_id", "skill")),
        OutgoingMessage.objects.count(),
        AuditEntry.objects.count(),
    )


def test_an_invitation_makes_an_inactive_account_with_its_locations_skills_and_mail(staff, portland):
    admin = staff["clinic_admin"]
    person = invite(admin, portland)

    person.refresh_from_db()
    assert (person.username, person.role, person.is_active) == ("nora.nurse@example.org", "nurse", False)
    assert list(person.work_locations.all()) == [portland] and person.home_location == portland
    assert sorted(StaffSkill.objects.filter(user=person).values_list("skill", flat=True)) == [
        "administer_iv",
        "monitor",
    ]
    mail = OutgoingMessage.objects.get(kind=MailKind.INVITATION)
    assert mail.to == "nora.nurse@example.org"
    assert AuditEntry.objects.filter(actor=admin, detail__event="staff_skills").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": "surgeon"}, "role"),
        ({"role": "patient"}, "role"),
        ({"skills": ["monitor", "juggling"]}, "skills"),
        ({"email": "nurse_harbor@example.org"}, "email"),  # the nurse persona's address
        ({"email": "not an address"}, "email"),
    ],
)
def test_bad_invitations_name_the_field_and_change_nothing(staff, portland, overrides, field):
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        invite(staff["clinic_admin"], portland, **overrides)
    assert field in refused.value.message_dict
    assert snapshot() == before


def test_a_location_of_another_organisation_is_refused(staff, portland, other_org):
    elsewhere = other_org.locations.first()
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        invite(staff["clinic_admin"], portland, location_ids=[portland.pk, elsewhere.pk])
    assert "locations" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        invite(staff["clinic_admin"], portland, location_ids=[], home_location_id=elsewhere.pk)
    assert "home_location" in refused.value.message_dict
    assert snapshot() == before


def test_a_change_sets_role_locations_and_skills_together(staff, portland, org):
    admin, nurse = staff["clinic_admin"], staff["nurse"]
    boston = org.locations.get(name="Harbor Boston")
    actions.do_change_staff_member(
        admin,
        nurse.pk,
        role="prescriber",
        title="NP",
        location_ids=[portland.pk, boston.pk],
        home_location_id=boston.pk,
        skills=["consult"],
    )
    nurse.refresh_from_db()
    assert (nurse.role, nurse.title, nurse.home_location) == ("prescriber", "NP", boston)
    assert set(nurse.work_locations.all()) == {portland, boston}
    assert list(StaffSkill.objects.filter(user=nurse).values_list("skill", flat=True)) == ["consult"]


def test_an_unknown_skill_undoes_the_account_change_too(staff, portland):
    admin, nurse = staff["clinic_admin"], staff["nurse"]
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        actions.do_change_staff_member(
            admin, nurse.pk, role="prescriber", title="NP", location_ids=[], home_location_id=None, skills=["x"]
        )
    assert "skills" in refused.value.message_dict
    assert snapshot() == before


def test_the_last_active_clinic_admin_is_never_demoted_or_deactivated(staff, make_user, org):
    admin = staff["clinic_admin"]
    deputy = make_user(org, Role.CLINIC_ADMIN, "deputy_harbor")
    actions.do_deactivate_staff_member(admin, deputy.pk, reason="Left the clinic")
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        actions.do_change_staff_member(
            admin, admin.pk, role="nurse", title="", location_ids=[], home_location_id=None, skills=["monitor"]
        )
    assert "last active clinic admin" in refused.value.message_dict["role"][0]
    with pytest.raises(ValidationError):
        actions.do_deactivate_staff_member(admin, admin.pk, reason="Leaving")
    assert snapshot() == before
    # With a second active admin the first may step down to nurse.
    do_reactivate_user(admin, deputy.pk)
    actions.do_change_staff_member(
        admin, admin.pk, role="nurse", title="", location_ids=[], home_location_id=None, skills=[]
    )
    assert User.objects.get(pk=admin.pk).role == "nurse"


def test_deactivation_ends_sessions_tokens_and_calendar_feeds_for_good(client, staff, signed_in):
    admin, nurse = staff["clinic_admin"], staff["nurse"]
    signed_in(nurse)
    ApiToken.objects.create(user=nurse, name="phone", token_sha256=ApiToken.hash("kc_x"), prefix="kc_x")
    feed, _ = do_create_calendar_feed(nurse)

    actions.do_deactivate_staff_member(admin, nurse.pk, reason="Left the clinic")

    nurse.refresh_from_db()
    assert not nurse.is_active
    assert not ApiToken.objects.active().filter(user=nurse).exists()
    assert not [s for s in UserSession.objects.all() if s.get_decoded().get("_auth_user_id") == str(nurse.pk)]
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert AuditEntry.objects.filter(actor=admin, detail__event="calendar_feeds_revoked").exists()
    # Reactivated, she signs in again, but the old feed URL stays dead.
    do_reactivate_user(admin, nurse.pk)
    assert not CalendarFeed.objects.filter(owner=nurse, revoked_at__isnull=True).exists()


def test_another_organisations_staff_member_is_not_found(staff, other_staff):
    admin, theirs = staff["clinic_admin"], other_staff["nurse"]
    with pytest.raises(Http404):
        actions.do_deactivate_staff_member(admin, theirs.pk, reason="Not ours")
    with pytest.raises(Http404):
        actions.do_change_staff_member(
            admin, theirs.pk, role="nurse", title="", location_ids=[], home_location_id=None, skills=[]
        )
    assert User.objects.get(pk=theirs.pk).is_active


@pytest.mark.parametrize("role", ["front_desk", "nurse", "prescriber", "therapist"])
def test_only_clinic_admins_manage_staff(staff, portland, role):
    with pytest.raises(PermissionDenied):
        invite(staff[role], portland)
    with pytest.raises(PermissionDenied):
        actions.do_deactivate_staff_member(staff[role], staff["front_desk"].pk, reason="No")
