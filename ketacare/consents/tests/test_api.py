"""The consents API (/api/v1/consents): texts, a patient's consents, the PDF, revocation; no signing."""

import pytest

from ketacare.consents.models import ConsentRevocation, ConsentTemplate

BASE = "/api/v1/consents"


@pytest.fixture
def signed(patient, staff, sign_consents_for_route):
    return sign_consents_for_route(patient, "iv", staff["nurse"])[0]


def test_staff_read_a_patients_consents_and_the_pdf(signed_in, staff, patient, signed):
    client = signed_in(staff["nurse"])
    body = client.get(f"{BASE}/patients/{patient.pk}").json()
    [row] = body["consents"]
    assert (row["id"], row["state"], row["template_key"], row["channel"]) == (
        signed.pk,
        "valid",
        "ketamine-iv",
        "in_person",
    )
    assert row["text_sha256"] == signed.text_sha256 and row["revocation"] is None
    response = client.get(f"{BASE}/signed/{signed.pk}/pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment")


def test_revocation_through_the_api_blocks_and_keeps_the_consent(signed_in, staff, patient, signed):
    client = signed_in(staff["front_desk"])
    bad = client.post(f"{BASE}/signed/{signed.pk}/revoke", {"reason": ""}, content_type="application/json")
    assert bad.status_code == 422 and not ConsentRevocation.objects.exists()
    response = client.post(f"{BASE}/signed/{signed.pk}/revoke", {"reason": "Withdrew"}, content_type="application/json")
    assert response.status_code == 201
    body = client.get(f"{BASE}/patients/{patient.pk}").json()
    assert body["consents"][0]["state"] == "revoked"
    assert body["consents"][0]["revocation"]["reason"] == "Withdrew"


def test_another_organisation_gets_404(signed_in, other_staff, patient, signed):
    client = signed_in(other_staff["clinic_admin"])
    assert client.get(f"{BASE}/patients/{patient.pk}").status_code == 404
    assert client.get(f"{BASE}/signed/{signed.pk}/pdf").status_code == 404
    revoke = client.post(f"{BASE}/signed/{signed.pk}/revoke", {"reason": "x"}, content_type="application/json")
    assert revoke.status_code == 404


def test_only_clinic_admins_create_and_version_texts(signed_in, staff, patient):
    body = {
        "key": "ketamine-iv-harbor",
        "title": "Harbor IV consent",
        "body_markdown": "Text.",
        "covers": ["ketamine_iv"],
    }
    refused = signed_in(staff["prescriber"]).post(f"{BASE}/templates", body, content_type="application/json")
    assert refused.status_code == 403
    client = signed_in(staff["clinic_admin"])
    created = client.post(f"{BASE}/templates", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["version"] == "1.0"
    builtin = ConsentTemplate.objects.get(organisation=None, key="ketamine-iv")
    version = client.post(
        f"{BASE}/templates/{builtin.pk}/versions", {"major": True, "valid_months": 6}, content_type="application/json"
    )
    assert version.status_code == 201
    assert (version.json()["version"], version.json()["valid_months"], version.json()["is_builtin"]) == (
        "2.0",
        6,
        False,
    )
    unknown = client.post(
        f"{BASE}/templates", {**body, "key": "x", "covers": ["ketamine_oral"]}, content_type="application/json"
    )
    assert unknown.status_code == 422
    titles = [row["title"] for row in client.get(f"{BASE}/templates").json()]
    assert "Harbor IV consent" in titles and "Consent to IV ketamine treatment" in titles


def test_clinic_admins_retire_their_own_texts_only(signed_in, staff, other_staff):
    builtin = ConsentTemplate.objects.get(organisation=None, key="ketamine-iv")
    admin = signed_in(staff["clinic_admin"])
    own = admin.post(f"{BASE}/templates/{builtin.pk}/versions", {"major": False}, content_type="application/json")
    own_id = own.json()["id"]

    def retire(user, template_id):
        return signed_in(user).post(
            f"{BASE}/templates/{template_id}/retire", {"reason": "Replaced"}, content_type="application/json"
        )

    assert retire(staff["nurse"], own_id).status_code == 403
    assert retire(other_staff["clinic_admin"], own_id).status_code == 404
    builtin_refused = retire(staff["clinic_admin"], builtin.pk)
    assert builtin_refused.status_code == 422 and "template_id" in builtin_refused.content.decode()
    assert ConsentTemplate.objects.get(pk=own_id).is_active

    retired = retire(staff["clinic_admin"], own_id)

    assert retired.status_code == 200 and retired.json()["is_active"] is False
    assert "ketamine-iv" not in {row["key"] for row in admin.get(f"{BASE}/templates").json()}


def test_there_is_no_signing_endpoint(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    consent_posts = sorted(
        path for path, operations in paths.items() if path.startswith("/api/v1/consents") and "post" in operations
    )
    assert consent_posts == [
        "/api/v1/consents/signed/{consent_id}/revoke",
        "/api/v1/consents/templates",
        "/api/v1/consents/templates/{template_id}/retire",
        "/api/v1/consents/templates/{template_id}/versions",
    ]
