"""GET /api/v1/audit/entries and /api/v1/audit/patients/{id}/entries."""

import pytest

from ketacare.audit.models import AuditAction, AuditEntry


@pytest.fixture
def admin_client(client, admin, signed_in):
    return signed_in(admin)


def sequences(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["sequence"] for item in response.json()["items"]]


def test_it_lists_the_organisations_entries_newest_first(admin_client, patient, audit_trail):
    response = admin_client.get("/api/v1/audit/entries", {"record_number": patient.record_number})
    assert sequences(response) == [audit_trail["late_view"].sequence, audit_trail["registered"].sequence]
    body = response.json()
    assert body["count"] == 2
    assert body["items"][0] == {
        "sequence": audit_trail["late_view"].sequence,
        "occurred_at": "2026-03-10T03:30:00Z",
        "actor_username": "nurse_harbor",
        "actor_role": "nurse",
        "action": "view",
        "object_type": "patients.patient",
        "object_id": str(patient.pk),
        "patient_id": patient.pk,
        "patient_record_number": patient.record_number,
        "source_address": "10.0.0.6",
        "detail": {},
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "view", "actor": "nurse"}, {"late_view", "other_view"}),
        ({"object_type": "patients", "date_to": "2026-03-09"}, {"registered", "late_view"}),
        ({"date_from": "2026-03-10", "date_to": "2026-03-10"}, set()),
        ({"date_from": "2026-03-11"}, {"other_view", "search"}),
    ],
)
def test_filters_match_the_page(admin_client, audit_trail, params, expected):
    # Sequences count within each organisation's chain: Elsewhere's entries have their own.
    harbor = {audit_trail[key].sequence: key for key in audit_trail if key != "elsewhere"}
    assert {harbor[s] for s in sequences(admin_client.get("/api/v1/audit/entries", params)) if s in harbor} == expected


def test_limit_and_offset_page_through(admin_client, audit_trail):
    # Each call adds an entry of its own; this filter leaves those out.
    patients_only = {"object_type": "patients.patient"}
    first = sequences(admin_client.get("/api/v1/audit/entries", {**patients_only, "limit": 3}))
    second = admin_client.get("/api/v1/audit/entries", {**patients_only, "limit": 3, "offset": 3})
    assert first + sequences(second) == [
        audit_trail[key].sequence for key in ("search", "other_view", "late_view", "registered")
    ]
    assert second.json()["count"] == 4


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-03-12", "date_to": "2026-03-10"}, "date_to"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"action": "delete"}, "action"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"actor": "a\x00b"}, "actor"),
    ],
)
def test_bad_parameters_are_422_naming_the_field(admin_client, audit_trail, params, field):
    before = AuditEntry.objects.count()
    response = admin_client.get("/api/v1/audit/entries", params)
    assert response.status_code == 422
    assert any(error["loc"][-1] == field for error in response.json()["detail"])
    assert AuditEntry.objects.count() == before


def test_a_huge_offset_is_an_empty_page_not_an_error(admin_client, audit_trail):
    assert sequences(admin_client.get("/api/v1/audit/entries", {"offset": 2**62})) == []


def test_patient_entries_are_that_patients_history(admin_client, admin, patient, audit_trail):
    response = admin_client.get(f"/api/v1/audit/patients/{patient.pk}/entries")
    assert sequences(response) == [audit_trail["late_view"].sequence, audit_trail["registered"].sequence]
    read = AuditEntry.objects.latest("sequence")
    assert (read.actor, read.action, read.patient) == (admin, AuditAction.VIEW, patient)


def test_unknown_or_foreign_patients_are_404(admin_client, other_org_patient, audit_trail):
    assert admin_client.get(f"/api/v1/audit/patients/{other_org_patient.pk}/entries").status_code == 404
    assert admin_client.get("/api/v1/audit/patients/999999/entries").status_code == 404
    assert admin_client.get(f"/api/v1/audit/patients/{2**70}/entries").status_code in (404, 422)


def test_the_schema_documents_every_status(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/audit/entries"]["get"]["responses"]) == {"200", "401", "403", "422"}
    assert set(paths["/api/v1/audit/patients/{patient_id}/entries"]["get"]["responses"]) == {
        "200",
        "401",
        "403",
        "404",
        "422",
    }
