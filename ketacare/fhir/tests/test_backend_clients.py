"""Registering backend clients: the clinic admin's page and `ketacare fhir backend-client`."""

import io

import pytest
from django.core.management import CommandError, call_command

from ketacare.fhir.backend.models import BackendClient
from ketacare.fhir.tests.backend_clients import new_key, public_jwks


def test_the_clinic_admin_registers_and_disables_a_client_on_the_page(staff, signed_in):
    page = signed_in(staff["clinic_admin"])
    form = {"name": "Registry <export>", "jwks": public_jwks(new_key()), "scopes": "system/*.rs"}
    response = page.post("/clinic/fhir-backend-clients/", form, follow=True)
    assert response.status_code == 200
    client = BackendClient.objects.get()
    html = response.content.decode()
    assert client.client_id in html and "Registry &lt;export&gt;" in html
    assert client.organisation == staff["clinic_admin"].organisation and client.allowed_scopes == "system/*.rs"

    response = page.post(f"/clinic/fhir-backend-clients/{client.pk}/disable/", follow=True)
    client.refresh_from_db()
    assert client.disabled_at is not None and not client.service_account.is_active
    assert "is disabled" in response.content.decode()


def test_bad_keys_are_shown_on_the_form_and_nothing_is_registered(staff, signed_in):
    page = signed_in(staff["clinic_admin"])
    response = page.post("/clinic/fhir-backend-clients/", {"name": "X", "jwks": "{", "scopes": "system/*.rs"})
    assert response.status_code == 422
    assert "This is not JSON" in response.content.decode()
    response = page.post(
        "/clinic/fhir-backend-clients/", {"name": "X", "jwks": public_jwks(new_key()), "scopes": "system/*.cruds"}
    )
    assert response.status_code == 422 and "only reads" in response.content.decode()
    assert not BackendClient.objects.exists()


def test_the_command_registers_a_client_and_prints_its_client_id_last(staff, tmp_path):
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(public_jwks(new_key("RSA")))
    out = io.StringIO()
    admin = staff["clinic_admin"].username
    call_command(
        "fhir", "backend-client", "add", "--by", admin, "--name", "Warehouse", "--jwks", str(jwks_file), stdout=out
    )
    client = BackendClient.objects.get()
    assert out.getvalue().strip().splitlines()[-1] == client.client_id
    listing = io.StringIO()
    call_command("fhir", "backend-client", "list", "--by", admin, stdout=listing)
    assert client.client_id in listing.getvalue() and "active" in listing.getvalue()
    call_command("fhir", "backend-client", "disable", "--by", admin, client.client_id, stdout=io.StringIO())
    client.refresh_from_db()
    assert client.disabled_at is not None
    with pytest.raises(CommandError, match="private key|not JSON|jwks"):
        jwks_file.write_text("{")
        call_command("fhir", "backend-client", "add", "--by", admin, "--name", "X", "--jwks", str(jwks_file))
    with pytest.raises(CommandError, match="organisation settings"):
        call_command(
            "fhir", "backend-client", "add", "--by", staff["nurse"].username, "--name", "X", "--jwks", str(jwks_file)
        )
