"""Who may read the audit trail: clinic admins of the same organisation, nobody else."""

import pytest

from ketacare.audit.models import AuditEntry

NON_ADMIN_ROLES = ["front_desk", "nurse", "prescriber", "therapist"]


def page_urls(patient) -> list[str]:
    return [
        "/audit/",
        "/audit/verify/",
        f"/audit/patients/{patient.pk}/",
        f"/audit/patients/{patient.pk}/disclosures.csv",
    ]


def api_urls(patient) -> list[str]:
    return ["/api/v1/audit/entries", f"/api/v1/audit/patients/{patient.pk}/entries"]


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_staff_other_than_admins_are_refused_every_page_and_endpoint(client, staff, patient, role, signed_in):
    signed_in(staff[role])
    before = AuditEntry.objects.count()
    for url in page_urls(patient) + api_urls(patient):
        assert client.get(url).status_code == 403, url
    assert AuditEntry.objects.count() == before


def test_a_patient_is_refused_every_page_and_endpoint(client, patient, signed_in):
    signed_in(patient.user)
    for url in page_urls(patient) + api_urls(patient):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_go_to_login_and_the_api_says_401(client, patient):
    for url in page_urls(patient):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=")
    for url in api_urls(patient):
        assert client.get(url).status_code == 401, url


def test_an_admin_with_two_factor_pending_is_sent_to_verify(client, staff):
    client.force_login(staff["clinic_admin"])
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/verify/")


def test_another_organisations_admin_sees_none_of_our_entries(client, other_staff, audit_trail, signed_in):
    signed_in(other_staff["clinic_admin"])
    # Sequences count within each organisation's chain: entries are told apart by their patients.
    ours = {audit_trail[key].patient_id for key in ("registered", "late_view", "other_view")}
    page = {entry.patient_id for entry in client.get("/audit/").context["page"]}
    api = {item["patient_id"] for item in client.get("/api/v1/audit/entries").json()["items"]}
    for shown in (page, api):
        assert audit_trail["elsewhere"].patient_id in shown
        assert not shown & ours


def test_another_organisations_admin_gets_404_for_our_patients_history(
    client, other_staff, patient, audit_trail, signed_in
):
    signed_in(other_staff["clinic_admin"])
    before = AuditEntry.objects.count()
    assert client.get(f"/audit/patients/{patient.pk}/").status_code == 404
    assert client.get(f"/audit/patients/{patient.pk}/disclosures.csv").status_code == 404
    assert client.get(f"/api/v1/audit/patients/{patient.pk}/entries").status_code == 404
    assert AuditEntry.objects.count() == before


def test_an_admin_without_an_organisation_sees_no_organisationless_entries(client, admin, audit_trail, signed_in):
    """Failed sign-ins with unknown usernames have no organisation; they must not leak."""
    client.post("/accounts/login/", {"username": "nobody-at-all", "password": "x"})
    assert AuditEntry.objects.filter(organisation__isnull=True).exists()
    admin.organisation = None
    admin.save(update_fields=["organisation"])
    signed_in(admin)
    assert list(client.get("/audit/").context["page"]) == []


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_nothing_changes_an_entry(client, admin, patient, audit_trail, method, signed_in):
    signed_in(admin)
    before = list(AuditEntry.objects.order_by("sequence").values_list("sequence", "entry_hash"))
    for url in page_urls(patient) + api_urls(patient) + [f"/api/v1/audit/entries/{audit_trail['late_view'].sequence}"]:
        response = getattr(client, method)(url, {"action": "view"}, content_type="application/json")
        assert response.status_code in (403, 404, 405), (method, url, response.status_code)
    after = list(AuditEntry.objects.order_by("sequence").values_list("sequence", "entry_hash"))
    assert after == before
