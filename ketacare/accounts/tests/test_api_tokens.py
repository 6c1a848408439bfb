"""REST API tokens: created and revoked on /accounts/tokens/, audited, used as bearer tokens."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.actions import do_create_api_token, do_revoke_api_token
from ketacare.accounts.models import ApiToken
from ketacare.audit.models import AuditAction, AuditEntry

API_URL = "/api/v1/audit/entries"


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_staff_user_creates_a_token_shown_once(client, staff, signed_in):
    nurse = staff["nurse"]
    signed_in(nurse)
    response = client.post("/accounts/tokens/", {"name": "reporting script"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'<code id="new-token">(kc_[\w-]+)</code>', response.content.decode()).group(1)
    token = ApiToken.objects.get(user=nurse)
    assert token.name == "reporting script"
    assert token.token_sha256 == ApiToken.hash(secret)
    assert secret not in {token.token_sha256, token.prefix}
    assert secret.startswith(token.prefix)
    # Never again: the list shows the prefix only.
    listing = client.get("/accounts/tokens/").content.decode()
    assert secret not in listing
    assert token.prefix in listing


def test_creating_a_token_is_audited_as_a_security_event(staff):
    token, _ = do_create_api_token(staff["nurse"], "sync")
    entry = AuditEntry.objects.get(action=AuditAction.SECURITY)
    assert (entry.actor, entry.object_type, entry.object_id) == (staff["nurse"], "accounts.apitoken", str(token.pk))
    assert entry.detail == {"event": "api_token_created", "name": "sync", "prefix": token.prefix}


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_bad_name_is_refused_and_creates_nothing(client, staff, name, signed_in):
    signed_in(staff["nurse"])
    response = client.post("/accounts/tokens/", {"name": name})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()
    with pytest.raises(ValidationError) as info:
        do_create_api_token(staff["nurse"], name)
    assert "name" in info.value.message_dict
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.SECURITY).exists()


def test_patients_and_visitors_cannot_have_tokens(client, patient, signed_in):
    assert client.get("/accounts/tokens/").status_code == 302
    signed_in(patient.user)
    assert client.get("/accounts/tokens/").status_code == 403
    assert client.post("/accounts/tokens/", {"name": "mine"}).status_code == 403
    with pytest.raises(PermissionDenied):
        do_create_api_token(patient.user, "mine")
    assert not ApiToken.objects.exists()


def test_the_tokens_page_needs_two_factor_done(client, staff):
    client.force_login(staff["prescriber"])
    response = client.post("/accounts/tokens/", {"name": "sneaky"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/verify/")
    assert not ApiToken.objects.exists()


def test_a_bearer_token_authenticates_as_its_user(client, staff):
    _, admin_secret = do_create_api_token(staff["clinic_admin"], "admin script")
    _, nurse_secret = do_create_api_token(staff["nurse"], "nurse script")
    assert client.get(API_URL, **bearer(admin_secret)).status_code == 200
    assert client.get(API_URL, **bearer(nurse_secret)).status_code == 403
    read = AuditEntry.objects.filter(action=AuditAction.LIST).get()
    assert read.actor == staff["clinic_admin"]
    assert ApiToken.objects.get(user=staff["clinic_admin"]).last_used_at is not None


def test_a_revoked_token_is_refused(client, staff, signed_in):
    admin = staff["clinic_admin"]
    token, secret = do_create_api_token(admin, "old")
    signed_in(admin)
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = AuditEntry.objects.filter(action=AuditAction.SECURITY).latest("sequence")
    assert entry.detail["event"] == "api_token_revoked"
    client.logout()
    assert client.get(API_URL, **bearer(secret)).status_code == 401


def test_a_bad_token_is_refused(client, staff):
    _, secret = do_create_api_token(staff["clinic_admin"], "real")
    for header in (f"Bearer {secret}x", "Bearer kc_not-a-token", f"Token {secret}", "Bearer "):
        assert client.get(API_URL, HTTP_AUTHORIZATION=header).status_code == 401, header


def test_a_token_of_a_deactivated_user_is_refused(client, staff):
    admin = staff["clinic_admin"]
    _, secret = do_create_api_token(admin, "script")
    admin.is_active = False
    admin.save(update_fields=["is_active"])
    assert client.get(API_URL, **bearer(secret)).status_code == 401


def test_nobody_revokes_another_users_token(client, staff, signed_in):
    token, secret = do_create_api_token(staff["clinic_admin"], "admin's")
    signed_in(staff["nurse"])
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    with pytest.raises(Http404):
        do_revoke_api_token(staff["nurse"], token.pk)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_twice_says_so_and_writes_nothing(client, staff, signed_in):
    token, _ = do_create_api_token(staff["nurse"], "once")
    do_revoke_api_token(staff["nurse"], token.pk)
    before = AuditEntry.objects.count()
    signed_in(staff["nurse"])
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True)
    assert "already revoked" in response.content.decode()
    assert AuditEntry.objects.count() == before + 1  # the sign-in only


def test_revoke_needs_a_post(client, staff, signed_in):
    token, _ = do_create_api_token(staff["nurse"], "keep")
    signed_in(staff["nurse"])
    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_call_reads_its_token_without_building_the_query_again(client, staff, sql_built_for):
    """Issue 19: the token read is built once per connection; each call still asks the database for its token
    (revoked between two calls: refused at once) and gets its user and organisation with it."""
    token, secret = do_create_api_token(staff["clinic_admin"], "script")
    assert client.get(API_URL, **bearer(secret)).status_code == 200
    sql_built_for.clear()
    response = client.get(API_URL, **bearer(secret))
    assert response.status_code == 200 and ApiToken not in sql_built_for
    user = response.wsgi_request.user
    assert user == staff["clinic_admin"] and user.organisation == staff["clinic_admin"].organisation
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert client.get(API_URL, **bearer(secret)).status_code == 401
