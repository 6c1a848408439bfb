"""Registering a clinic's SMART apps: the clinic admin's pages and `ketacare fhir smart-app`, both through the
same audited action; bad input names its field and registers nothing."""

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.core.management.base import CommandError
from oauth2_provider.models import Application

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.fhir.smart.models import SmartApp


def test_an_admin_registers_a_confidential_app_and_sees_its_secret_once(staff, signed_in):
    client = signed_in(staff["clinic_admin"])
    response = client.post(
        "/clinic/smart-apps/new/",
        {
            "name": "Outcome dashboard",
            "redirect_uris": "https://dash.example/cb\nhttp://localhost:8080/cb",
            "client_type": "confidential",
            "allowed_scopes": "user/Observation.rs  user/Patient.r",
        },
    )
    assert response.status_code == 200
    smart_app = SmartApp.objects.get()
    application = smart_app.application
    assert smart_app.organisation == staff["clinic_admin"].organisation
    assert smart_app.allowed_scopes == "user/Observation.rs user/Patient.r"
    assert application.redirect_uris == "https://dash.example/cb http://localhost:8080/cb"
    assert application.client_type == Application.CLIENT_CONFIDENTIAL
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert check_password(secret, application.client_secret)  # stored hashed
    assert secret not in client.get(f"/clinic/smart-apps/{smart_app.pk}/").content.decode()
    assert "Outcome dashboard" in client.get("/clinic/smart-apps/").content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="fhir.smartapp")
    assert entry.detail["client_id"] == application.client_id


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("redirect_uris", "http://app.example/cb", "use https://"),
        ("redirect_uris", "app.example/cb", "absolute https://"),
        ("allowed_scopes", "patient/*.write", "only reads"),
        ("allowed_scopes", "system/*.rs", "Backend Services"),
        ("allowed_scopes", "launch/patient", "at least one"),
    ],
)
def test_bad_input_names_the_field_and_registers_nothing(staff, signed_in, field, value, message):
    data = {
        "name": "App",
        "redirect_uris": "https://app.example/cb",
        "client_type": "public",
        "allowed_scopes": "patient/*.rs",
        field: value,
    }
    response = signed_in(staff["clinic_admin"]).post("/clinic/smart-apps/new/", data)
    assert response.status_code == 422
    assert message in str(response.context["form"].errors[field])
    assert not Application.objects.exists()


def test_another_clinics_admin_cannot_see_or_revoke_the_app(staff, other_staff, signed_in):
    signed_in(staff["clinic_admin"]).post(
        "/clinic/smart-apps/new/",
        {"name": "A", "redirect_uris": "https://a.example/cb", "client_type": "public", "allowed_scopes": "user/*.rs"},
    )
    smart_app = SmartApp.objects.get()
    other = signed_in(other_staff["clinic_admin"])
    assert other.get(f"/clinic/smart-apps/{smart_app.pk}/").status_code == 404
    assert other.post(f"/clinic/smart-apps/{smart_app.pk}/revoke-tokens/").status_code == 404
    assert "A" not in [app.application.name for app in other.get("/clinic/smart-apps/").context["apps"]]


def test_the_command_registers_lists_and_revokes(staff, capsys):
    admin = staff["clinic_admin"]
    call_command(
        "fhir",
        "smart-app",
        "add",
        "--by",
        admin.username,
        "--name",
        "CLI app",
        "--redirect-uri",
        "https://cli.example/cb",
        "--scopes",
        "launch/patient patient/*.rs offline_access",
        "--confidential",
    )
    output = capsys.readouterr().out.strip().splitlines()
    application = Application.objects.get(name="CLI app")
    assert f"client_id: {application.client_id}" in output
    assert check_password(output[-1], application.client_secret)
    call_command("fhir", "smart-app", "list", "--by", admin.username)
    assert application.client_id in capsys.readouterr().out
    call_command("fhir", "smart-app", "revoke-tokens", "--by", admin.username, application.client_id)
    assert "Revoked 0 token(s)" in capsys.readouterr().out


def test_the_command_refuses_bad_scopes_and_non_admins(staff):
    with pytest.raises(CommandError, match="allowed_scopes: email"):
        call_command(
            "fhir", "smart-app", "add", "--by", staff["clinic_admin"].username, "--name", "X",
            "--redirect-uri", "https://x.example/cb", "--scopes", "email patient/*.rs",
        )  # fmt: skip
    with pytest.raises(CommandError, match="may not manage"):
        call_command(
            "fhir", "smart-app", "add", "--by", staff["nurse"].username, "--name", "X",
            "--redirect-uri", "https://x.example/cb", "--scopes", "patient/*.rs",
        )  # fmt: skip
    assert not Application.objects.exists()
