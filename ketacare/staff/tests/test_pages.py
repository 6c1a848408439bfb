"""The clinic admin's staff pages: the list and its filters, the invitation form, a staff member's page and
its buttons; bad input back on the form with nothing changed; other clinics and other roles refused."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts.models import User
from ketacare.outbox.models import MailKind, OutgoingMessage
from ketacare.scheduling.models import StaffSkill
from ketacare.staff.actions import do_invite_staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, staff, signed_in):
    return signed_in(staff["clinic_admin"])


@pytest.fixture
def invited(staff, portland):
    return do_invite_staff_member(
        staff["clinic_admin"],
        email="ivy@example.org",
        first_name="Ivy",
        last_name="Invited",
        role="therapist",
        location_ids=[portland.pk],
        home_location_id=portland.pk,
    )


def listed(response) -> str:
    return response.content.decode()


def test_the_list_shows_sign_in_facts_and_filters(admin_client, staff, org, invited):
    nurse, therapist = staff["nurse"], staff["therapist"]
    User.objects.filter(pk=nurse.pk).update(last_login=timezone.now() - dt.timedelta(hours=3))
    AccessAttempt.objects.create(
        username=therapist.username,
        ip_address="127.0.0.1",
        user_agent="test",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    page = listed(admin_client.get(reverse("staff:list")))
    nurse_row = page[page.index(f'id="staff-{nurse.pk}"') :].split("</tr>")[0]
    assert "never" not in nurse_row
    therapist_row = page[page.index(f'id="staff-{therapist.pk}"') :].split("</tr>")[0]
    assert "Locked out" in therapist_row
    invited_row = page[page.index(f'id="staff-{invited.pk}"') :].split("</tr>")[0]
    assert "Invited" in invited_row and "never" in invited_row

    by_role = listed(admin_client.get(reverse("staff:list"), {"role": "nurse"}))
    assert f'id="staff-{nurse.pk}"' in by_role and f'id="staff-{therapist.pk}"' not in by_role
    by_status = listed(admin_client.get(reverse("staff:list"), {"status": "invited"}))
    assert f'id="staff-{invited.pk}"' in by_status and f'id="staff-{nurse.pk}"' not in by_status
    portland = org.locations.get(name="Harbor Portland")
    by_location = listed(admin_client.get(reverse("staff:list"), {"location": portland.pk}))
    assert f'id="staff-{invited.pk}"' in by_location and f'id="staff-{nurse.pk}"' not in by_location


def test_bad_filters_say_which(admin_client, other_org):
    response = admin_client.get(reverse("staff:list"), {"role": "surgeon", "location": other_org.locations.first().pk})
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()


def test_the_invitation_form_invites_and_mails(admin_client, portland):
    response = admin_client.post(
        reverse("staff:invite"),
        {
            "email": "nina@example.org",
            "first_name": "Nina",
            "last_name": "New",
            "role": "nurse",
            "title": "RN",
            "locations": [portland.pk],
            "home_location": portland.pk,
            "skills": ["monitor"],
        },
    )
    person = User.objects.get(username="nina@example.org")
    assert response.status_code == 302 and response.url == reverse("staff:detail", args=[person.pk])
    assert not person.is_active
    assert list(StaffSkill.objects.filter(user=person).values_list("skill", flat=True)) == ["monitor"]
    assert OutgoingMessage.objects.filter(kind=MailKind.INVITATION, to="nina@example.org").exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"role": "surgeon"}, "role", "Select a valid choice"),
        ({"email": "nurse_harbor@example.org"}, "email", "already has an account"),
        ({"locations": ["999999999"]}, "locations", "Select a valid choice"),
        ({"skills": ["juggling"]}, "skills", "Select a valid choice"),
    ],
)
def test_a_bad_invitation_comes_back_on_its_field(admin_client, portland, change, field, message):
    users, mails = User.objects.count(), OutgoingMessage.objects.count()
    body = {"email": "nina@example.org", "first_name": "Nina", "last_name": "New", "role": "nurse", **change}
    response = admin_client.post(reverse("staff:invite"), body)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert (User.objects.count(), OutgoingMessage.objects.count()) == (users, mails)


def test_another_organisations_location_is_not_a_choice(admin_client, other_org):
    response = admin_client.post(
        reverse("staff:invite"),
        {
            "email": "nina@example.org",
            "first_name": "Nina",
            "last_name": "New",
            "role": "nurse",
            "home_location": other_org.locations.first().pk,
        },
    )
    assert response.status_code == 422 and "home_location" in response.context["form"].errors
    assert not User.objects.filter(username="nina@example.org").exists()


def test_the_staff_members_page_changes_and_deactivates(admin_client, staff, portland):
    nurse = staff["nurse"]
    page = admin_client.get(reverse("staff:detail", args=[nurse.pk]))
    assert page.status_code == 200 and "Deactivate" in page.content.decode()

    response = admin_client.post(
        reverse("staff:change", args=[nurse.pk]),
        {
            "role": "nurse",
            "title": "RN",
            "locations": [portland.pk],
            "home_location": portland.pk,
            "skills": ["monitor"],
        },
    )
    assert response.status_code == 302
    nurse.refresh_from_db()
    assert nurse.title == "RN" and list(nurse.work_locations.all()) == [portland]

    refused = admin_client.post(reverse("staff:deactivate", args=[nurse.pk]), {"deactivate-reason": ""})
    assert refused.status_code == 422 and User.objects.get(pk=nurse.pk).is_active
    done = admin_client.post(reverse("staff:deactivate", args=[nurse.pk]), {"deactivate-reason": "Left"})
    assert done.status_code == 302 and not User.objects.get(pk=nurse.pk).is_active
    page = admin_client.get(reverse("staff:detail", args=[nurse.pk])).content.decode()
    assert "Reactivate" in page
    admin_client.post(reverse("staff:reactivate", args=[nurse.pk]))
    assert User.objects.get(pk=nurse.pk).is_active


def test_the_last_admin_is_told_why_not(admin_client, staff):
    admin = staff["clinic_admin"]
    response = admin_client.post(reverse("staff:change", args=[admin.pk]), {"role": "nurse", "title": "", "skills": []})
    assert response.status_code == 422
    assert "last active clinic admin" in " ".join(response.context["change_form"].errors["role"])
    assert User.objects.get(pk=admin.pk).role == "clinic_admin"


def test_unlock_and_resend_are_buttons(admin_client, staff, invited):
    therapist = staff["therapist"]
    AccessAttempt.objects.create(
        username=therapist.username,
        ip_address="127.0.0.1",
        user_agent="test",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    assert "Unlock" in admin_client.get(reverse("staff:detail", args=[therapist.pk])).content.decode()
    admin_client.post(reverse("staff:unlock", args=[therapist.pk]))
    assert not AccessAttempt.objects.filter(username=therapist.username).exists()

    mails = OutgoingMessage.objects.filter(kind=MailKind.INVITATION, to=invited.email)
    assert "Resend the invitation" in admin_client.get(reverse("staff:detail", args=[invited.pk])).content.decode()
    admin_client.post(reverse("staff:resend_invitation", args=[invited.pk]))
    assert mails.count() == 2


def test_another_clinics_staff_member_is_not_found(admin_client, other_staff):
    theirs = other_staff["nurse"]
    assert admin_client.get(reverse("staff:detail", args=[theirs.pk])).status_code == 404
    response = admin_client.post(reverse("staff:deactivate", args=[theirs.pk]), {"deactivate-reason": "x"})
    assert response.status_code == 404 and User.objects.get(pk=theirs.pk).is_active


def test_a_patient_is_not_a_staff_member(admin_client, patient):
    assert admin_client.get(reverse("staff:detail", args=[patient.user.pk])).status_code == 404


def test_reset_two_factor_needs_a_reason(admin_client, staff):
    prescriber = staff["prescriber"]
    url = reverse("staff:reset_two_factor", args=[prescriber.pk])
    refused = admin_client.post(url, {"two_factor-reason": " "})
    assert refused.status_code == 422 and "reason" in refused.context["two_factor_form"].errors
    assert TOTPDevice.objects.filter(user=prescriber).exists()
    assert admin_client.post(url, {"two_factor-reason": "Lost phone"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=prescriber).exists()


@pytest.mark.parametrize("role", ["front_desk", "nurse", "prescriber", "therapist"])
def test_only_clinic_admins_see_the_staff_pages(client, staff, signed_in, role):
    as_role = signed_in(staff[role])
    assert as_role.get(reverse("staff:list")).status_code == 403
    assert as_role.post(reverse("staff:unlock", args=[staff["nurse"].pk])).status_code == 403
    assert 'href="/clinic/staff/"' not in as_role.get(reverse("patients:list")).content.decode()


def test_the_navigation_offers_the_staff_pages_to_clinic_admins(admin_client):
    assert 'href="/clinic/staff/"' in admin_client.get(reverse("patients:list")).content.decode()
