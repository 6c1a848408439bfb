"""/api/v1/staff: list with filters, read, invite, change, deactivate, reactivate, unlock, reset two-factor,
resend; errors in the API's shapes (401, 403, 404, 422 naming the field) with nothing changed."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts.models import ApiToken, User
from ketacare.outbox.models import MailKind, OutgoingMessage
from ketacare.scheduling.models import StaffSkill

pytestmark = pytest.mark.django_db

BASE = "/api/v1/staff/members"


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def put(client, url, data):
    return client.put(url, data, content_type="application/json")


@pytest.fixture
def admin_api(client, staff, signed_in):
    return signed_in(staff["clinic_admin"])


def invitation(portland, **overrides):
    return {
        "email": "nina@example.org",
        "first_name": "Nina",
        "last_name": "New",
        "role": "nurse",
        "title": "RN",
        "location_ids": [portland.pk],
        "home_location_id": portland.pk,
        "skills": ["monitor"],
        **overrides,
    }


def test_invite_read_list_and_filter(admin_api, staff, portland):
    created = post(admin_api, BASE, invitation(portland))
    assert created.status_code == 201, created.json()
    member = created.json()
    assert member["status"] == "invited" and member["invitation_pending"] is True
    assert member["location_ids"] == [portland.pk] and member["skills"] == ["monitor"]
    assert OutgoingMessage.objects.filter(kind=MailKind.INVITATION, to="nina@example.org").exists()

    assert admin_api.get(f"{BASE}/{member['id']}").json() == member
    everyone = {m["id"] for m in admin_api.get(BASE).json()}
    assert everyone == {member["id"], *(user.pk for user in staff.values())}
    assert [m["id"] for m in admin_api.get(BASE, {"status": "invited"}).json()] == [member["id"]]
    assert [m["id"] for m in admin_api.get(BASE, {"role": "therapist"}).json()] == [staff["therapist"].pk]
    assert [m["id"] for m in admin_api.get(BASE, {"location_id": portland.pk}).json()] == [member["id"]]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": "surgeon"}, "role"),
        ({"skills": ["juggling"]}, "skills"),
        ({"email": "nurse_harbor@example.org"}, "email"),
        ({"location_ids": [0]}, "location_ids"),
        ({"first_name": "\x00"}, "first_name"),
    ],
)
def test_bad_invitations_are_422_naming_the_field(admin_api, portland, overrides, field):
    users = User.objects.count()
    response = post(admin_api, BASE, invitation(portland, **overrides))
    assert response.status_code == 422
    assert any(field in entry["loc"] for entry in response.json()["detail"])
    assert User.objects.count() == users and not OutgoingMessage.objects.exists()


def test_a_location_of_another_organisation_is_422(admin_api, portland, other_org):
    elsewhere = other_org.locations.first().pk
    response = post(admin_api, BASE, invitation(portland, location_ids=[elsewhere], home_location_id=None))
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "locations"]
    assert not User.objects.filter(username="nina@example.org").exists()


def test_change_and_the_last_admin(admin_api, staff, portland):
    nurse, admin = staff["nurse"], staff["clinic_admin"]
    changed = put(
        admin_api,
        f"{BASE}/{nurse.pk}",
        {"role": "prescriber", "title": "NP", "location_ids": [portland.pk], "home_location_id": None, "skills": []},
    )
    assert changed.status_code == 200 and changed.json()["role"] == "prescriber"
    refused = put(
        admin_api, f"{BASE}/{admin.pk}", {"role": "nurse", "location_ids": [], "home_location_id": None, "skills": []}
    )
    assert refused.status_code == 422 and "last active clinic admin" in refused.json()["detail"][0]["msg"]
    assert User.objects.get(pk=admin.pk).role == "clinic_admin"


def test_deactivate_refuses_the_token_at_once_then_reactivate(admin_api, client, staff):
    nurse = staff["nurse"]
    secret = ApiToken.new_secret()
    ApiToken.objects.create(user=nurse, name="phone", token_sha256=ApiToken.hash(secret), prefix=secret[:8])
    header = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    nurse_api = Client()
    assert nurse_api.get("/api/v1/patients", **header).status_code == 200

    assert post(admin_api, f"{BASE}/{nurse.pk}/deactivate", {"reason": ""}).status_code == 422
    done = post(admin_api, f"{BASE}/{nurse.pk}/deactivate", {"reason": "Left the clinic"})
    assert done.status_code == 200 and done.json()["status"] == "inactive"
    assert nurse_api.get("/api/v1/patients", **header).status_code == 401

    back = post(admin_api, f"{BASE}/{nurse.pk}/reactivate")
    assert back.status_code == 200 and back.json()["status"] == "active"


def test_unlock_reset_two_factor_and_resend(admin_api, staff, portland):
    prescriber = staff["prescriber"]
    assert TOTPDevice.objects.filter(user=prescriber).exists()
    assert post(admin_api, f"{BASE}/{prescriber.pk}/reset-two-factor", {"reason": "Lost phone"}).status_code == 200
    assert not TOTPDevice.objects.filter(user=prescriber).exists()
    assert post(admin_api, f"{BASE}/{prescriber.pk}/unlock").status_code == 200

    member = post(admin_api, BASE, invitation(portland)).json()
    assert post(admin_api, f"{BASE}/{member['id']}/resend-invitation").status_code == 200
    assert OutgoingMessage.objects.filter(kind=MailKind.INVITATION).count() == 2
    refused = post(admin_api, f"{BASE}/{prescriber.pk}/resend-invitation")
    assert refused.status_code == 422


def test_other_organisations_malformed_ids_and_other_roles(admin_api, client, staff, other_staff, signed_in):
    theirs = other_staff["nurse"]
    assert admin_api.get(f"{BASE}/{theirs.pk}").status_code == 404
    assert post(admin_api, f"{BASE}/{theirs.pk}/deactivate", {"reason": "x"}).status_code == 404
    assert User.objects.get(pk=theirs.pk).is_active
    assert admin_api.get(f"{BASE}/abc").status_code == 422
    assert admin_api.get(f"{BASE}/{2**63}").status_code == 422
    assert admin_api.get(BASE, {"status": "gone"}).status_code == 422
    assert StaffSkill.objects.count() == 0

    for role in ("front_desk", "nurse", "prescriber", "therapist"):
        as_role = signed_in(staff[role])
        assert as_role.get(BASE).status_code == 403
        assert post(as_role, f"{BASE}/{staff['nurse'].pk}/deactivate", {"reason": "x"}).status_code == 403
    client.logout()
    assert client.get(BASE).status_code == 401
