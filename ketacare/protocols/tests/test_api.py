"""/api/v1/protocols: templates, plans, dose calculation and override."""

import pytest

from ketacare.audit.models import AuditAction
from ketacare.protocols.models import ProtocolTemplate, TreatmentPlan

BASE = "/api/v1/protocols"
PLAN = {"start_date": "2026-12-01"}


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


@pytest.fixture
def plan_body(iv_template):
    return {**PLAN, "template_id": iv_template.pk}


def test_anonymous_callers_get_401(client, patient, plan_body):
    assert client.get(f"{BASE}/templates").status_code == 401
    assert post(client, f"{BASE}/patients/{patient.pk}/plans", plan_body).status_code == 401
    assert not TreatmentPlan.objects.exists()


def test_templates_list_the_built_ins(signed_in, staff):
    response = signed_in(staff["nurse"]).get(f"{BASE}/templates")
    assert response.status_code == 200
    iv = next(t for t in response.json() if t["code"] == "iv-racemic-ketamine")
    assert (iv["dose_mg_per_kg"], iv["infusion_min"], iv["organisation_id"]) == ("0.500", 40, None)


def test_a_clinic_admin_creates_a_template_and_a_prescriber_cannot(signed_in, staff):
    body = {
        "code": "iv-slow",
        "name": "IV slow",
        "route": "iv",
        "drug": "ketamine_racemic",
        "dose_mg_per_kg": "0.5",
        "max_dose_mg_per_kg": "0.75",
        "infusion_min": 100,
        "induction_session_count": 6,
        "induction_window_days": 21,
        "sessions_per_week_min": 2,
        "sessions_per_week_max": 3,
        "session_length_min": 150,
        "titration_steps_mg_per_kg": ["0.5", "0.75"],
        "questionnaires_due": [{"instrument": "phq9", "timing": "before each session"}],
    }
    assert post(signed_in(staff["prescriber"]), f"{BASE}/templates", body).status_code == 403
    response = post(signed_in(staff["clinic_admin"]), f"{BASE}/templates", body)
    assert response.status_code == 201, response.json()
    assert response.json()["version"] == 1 and response.json()["titration_steps_mg_per_kg"] == ["0.5", "0.75"]
    template = ProtocolTemplate.objects.get(code="iv-slow")
    assert template.organisation == staff["clinic_admin"].organisation


def test_a_bad_template_is_a_422_naming_the_field(signed_in, staff):
    body = {
        "code": "iv-bad",
        "name": "IV",
        "route": "iv",
        "drug": "ketamine_racemic",
        "induction_session_count": 6,
        "induction_window_days": 21,
        "sessions_per_week_min": 2,
        "sessions_per_week_max": 3,
        "session_length_min": 90,
    }
    response = post(signed_in(staff["clinic_admin"]), f"{BASE}/templates", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "infusion_min"]
    assert not ProtocolTemplate.objects.filter(code="iv-bad").exists()


def test_a_prescriber_creates_reads_and_doses_a_plan(signed_in, staff, iv_candidate, plan_body):
    client = signed_in(staff["prescriber"])
    response = post(client, f"{BASE}/patients/{iv_candidate.pk}/plans", plan_body)
    assert response.status_code == 201, response.json()
    plan = response.json()
    assert plan["template_version"] == 1 and len(plan["sessions"]) == 6
    assert plan["sessions"][1] == {"sequence": 2, "window_start": "2026-12-03", "window_end": "2026-12-04"}

    assert client.get(f"{BASE}/plans/{plan['id']}").json()["status"] == "proposed"
    dose = post(client, f"{BASE}/plans/{plan['id']}/dose", {"concentration_mg_per_ml": "10"}).json()
    assert (dose["dose_mg"], dose["volume_ml"], dose["blocked"]) == ("35", "3.50", False)

    response = post(client, f"{BASE}/plans/{plan['id']}/status", {"status": "active", "reason": "Consent signed"})
    assert response.status_code == 200 and response.json()["status"] == "active"
    assert response.json()["revisions"][0]["reason"] == "Consent signed"


def test_a_therapist_cannot_create_plans(signed_in, staff, patient, plan_body):
    response = post(signed_in(staff["therapist"]), f"{BASE}/patients/{patient.pk}/plans", plan_body)
    assert response.status_code == 403
    assert not TreatmentPlan.objects.exists()


def test_another_organisations_plan_is_404(signed_in, staff, other_staff, iv_candidate, other_org_patient, plan_body):
    client = signed_in(staff["prescriber"])
    assert post(client, f"{BASE}/patients/{other_org_patient.pk}/plans", plan_body).status_code == 404
    plan_id = post(client, f"{BASE}/patients/{iv_candidate.pk}/plans", plan_body).json()["id"]
    other = signed_in(other_staff["prescriber"])
    assert other.get(f"{BASE}/plans/{plan_id}").status_code == 404
    assert post(other, f"{BASE}/plans/{plan_id}/dose-override", {"reason": "x"}).status_code == 404


def test_override_through_the_api_is_audited(signed_in, staff, iv_candidate, plan_body, audit_entries):
    client = signed_in(staff["prescriber"])
    plan_id = post(client, f"{BASE}/patients/{iv_candidate.pk}/plans", {**plan_body, "dose_mg_per_kg": "0.8"}).json()[
        "id"
    ]
    assert post(client, f"{BASE}/plans/{plan_id}/dose", {}).json()["blocked"] is True

    nurse = signed_in(staff["nurse"])
    assert post(nurse, f"{BASE}/plans/{plan_id}/dose-override", {"reason": "x"}).status_code == 403
    client = signed_in(staff["prescriber"])
    response = post(client, f"{BASE}/plans/{plan_id}/dose-override", {"reason": ""})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "reason"]

    response = post(client, f"{BASE}/plans/{plan_id}/dose-override", {"reason": "Non-response at 0.75"})
    assert response.status_code == 200
    assert (response.json()["blocked"], response.json()["overridden"], response.json()["dose_mg"]) == (
        False,
        True,
        "56",
    )
    [entry] = [e for e in audit_entries(patient=iv_candidate, action=AuditAction.UPDATE) if e.detail.get("override")]
    assert entry.detail["reason"] == "Non-response at 0.75"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"dose_mg_per_kg": "1.5"}, "dose_mg_per_kg"),
        ({"start_date": "1900-01-01"}, "start_date"),
    ],
)
def test_bad_plan_input_is_a_422_and_nothing_is_created(signed_in, staff, patient, plan_body, body, field):
    response = post(signed_in(staff["prescriber"]), f"{BASE}/patients/{patient.pk}/plans", {**plan_body, **body})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert not TreatmentPlan.objects.exists()


def test_a_fixed_dose_template_keeps_whole_mg(signed_in, staff):
    body = {
        "code": "esk-local",
        "name": "Esketamine",
        "route": "intranasal_esketamine",
        "drug": "esketamine",
        "fixed_dose_schedule": [
            {"phase": "induction", "weeks": "1-4", "first_dose_mg": 56, "dose_mg_options": [56, 84]}
        ],
        "induction_session_count": 8,
        "induction_window_days": 28,
        "sessions_per_week_min": 2,
        "sessions_per_week_max": 2,
        "min_days_between": 2,
        "session_length_min": 120,
    }
    response = post(signed_in(staff["clinic_admin"]), f"{BASE}/templates", body)
    assert response.status_code == 201, response.json()
    assert response.json()["fixed_dose_schedule"][0]["dose_mg_options"] == [56, 84]


def test_a_patient_cannot_use_the_protocols_api(signed_in, patient, plan_body):
    client = signed_in(patient.user)
    assert client.get(f"{BASE}/templates").status_code == 403
    assert post(client, f"{BASE}/patients/{patient.pk}/plans", plan_body).status_code == 403
