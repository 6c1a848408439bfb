"""The clinic setting "API tokens only from a two-factor sign-in" (bearer tokens skip two-factor, docs/api.md),
enforced in accounts' do_create_api_token."""

import pytest
from django.core.exceptions import ValidationError

from ketacare.accounts.actions import do_create_api_token
from ketacare.accounts.models import ApiToken
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinics.actions import do_update_organisation_settings


@pytest.fixture
def tokens_need_two_factor(org, staff):
    do_update_organisation_settings(staff["clinic_admin"], org, api_tokens_require_two_factor=True)
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, object_type="clinics.organisation").exists()


def test_a_clinic_may_refuse_tokens_from_a_session_without_two_factor(client, staff, signed_in, tokens_need_two_factor):
    # Nurses need no second factor to sign in; this nurse has none, so the session is not verified.
    signed_in(staff["nurse"])
    response = client.post("/accounts/tokens/", {"name": "reporting script"})
    assert response.status_code == 200
    assert "only from a two-factor sign-in" in response.content.decode()
    assert not ApiToken.objects.exists()
    # Outside a request (a script, a command) there is no verified session either.
    staff["nurse"].organisation.refresh_from_db()
    with pytest.raises(ValidationError, match="two-factor"):
        do_create_api_token(staff["nurse"], "from a script")
    assert not ApiToken.objects.exists()


def test_a_two_factor_session_still_creates_tokens_when_the_clinic_requires_it(
    client, staff, signed_in, tokens_need_two_factor
):
    signed_in(staff["prescriber"])
    response = client.post("/accounts/tokens/", {"name": "reporting script"})
    assert '<code id="new-token">' in response.content.decode()
    assert ApiToken.objects.filter(user=staff["prescriber"]).count() == 1
