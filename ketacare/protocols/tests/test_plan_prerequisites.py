"""A plan needs an approved candidacy decision for its route and today's weight (issue 14.2): hard stops in
the actions, with a prescriber's audited override only where the clinic allows it."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ketacare.audit.models import AuditAction
from ketacare.candidacy import actions as candidacy_actions
from ketacare.protocols import actions
from ketacare.protocols.models import ProtocolSettings, ProtocolTemplate, TreatmentPlan

BASE = "/api/v1/protocols"


@pytest.fixture
def esketamine_template(db):
    return ProtocolTemplate.objects.get(organisation=None, code="esketamine-nasal", version=1)


def create(staff, patient, template, **extra):
    return actions.do_create_plan_from_template(
        staff["prescriber"], patient.pk, template_id=template.pk, start_date=patient.today(), **extra
    )


def refusal(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.message_dict


def allow_overrides(organisation) -> None:
    ProtocolSettings.objects.create(organisation=organisation, prescriber_may_override_plan_prerequisites=True)


def test_an_esketamine_plan_is_refused_when_candidacy_approved_iv_only(staff, iv_candidate, esketamine_template):
    errors = refusal(lambda: create(staff, iv_candidate, esketamine_template))
    assert "No approved candidacy decision for Intranasal esketamine" in errors["candidacy"][0]
    assert "Candidacy page" in errors["candidacy"][0]  # where to fix it
    assert "weight" not in errors  # a fixed-dose route is not weighed for its dose
    assert not TreatmentPlan.objects.exists()


def test_an_iv_plan_is_refused_without_any_candidacy_intake_or_decision(staff, weighed_patient, iv_template):
    errors = refusal(lambda: create(staff, weighed_patient, iv_template))
    assert "No approved candidacy decision for IV racemic ketamine" in errors["candidacy"][0]
    assert "No weight recorded today" in errors["weight"][0]  # weighed three days ago
    assert "Weights" in errors["weight"][0]
    assert "does not allow overriding" in errors["candidacy"][0]
    assert not TreatmentPlan.objects.exists()


def test_a_later_decline_withdraws_the_approval(staff, iv_candidate, iv_template):
    candidacy_actions.do_record_decision(staff["prescriber"], iv_candidate.pk, route="ketamine_iv", decision="decline")
    assert "candidacy" in refusal(lambda: create(staff, iv_candidate, iv_template))


def test_starting_a_plan_checks_the_prerequisites_again(staff, iv_candidate, iv_template, audit_entries):
    plan = create(staff, iv_candidate, iv_template)
    candidacy_actions.do_record_decision(staff["prescriber"], iv_candidate.pk, route="ketamine_iv", decision="decline")
    errors = refusal(lambda: actions.do_change_plan_status(staff["prescriber"], plan.pk, status="active", reason="Go"))
    assert "candidacy" in errors
    plan.refresh_from_db()
    assert plan.status == "proposed"
    assert not audit_entries(
        patient=iv_candidate, action=AuditAction.STATUS_CHANGE, object_type="protocols.treatmentplan"
    )


def test_a_reason_does_not_override_where_the_clinic_does_not_allow_it(staff, weighed_patient, iv_template):
    errors = refusal(lambda: create(staff, weighed_patient, iv_template, override_reason="Urgent"))
    assert "does not allow overriding" in errors["candidacy"][0]
    assert not TreatmentPlan.objects.exists()


def test_where_the_clinic_allows_it_a_prescriber_overrides_with_a_reason_and_it_is_audited(
    staff, weighed_patient, iv_template, audit_entries
):
    allow_overrides(weighed_patient.organisation)
    errors = refusal(lambda: create(staff, weighed_patient, iv_template))
    assert "gives the reason for overriding" in errors["candidacy"][0]
    assert not TreatmentPlan.objects.exists()

    plan = create(staff, weighed_patient, iv_template, override_reason="Transferred from another clinic's approval")
    # Nothing signed either: the consent (issue 16) is overridden with the rest.
    assert set(plan.prerequisites_overridden) == {"candidacy", "weight", "consent"}
    assert plan.prerequisites_override_reason == "Transferred from another clinic's approval"
    [entry] = [e for e in audit_entries(patient=weighed_patient) if e.detail.get("prerequisites_override")]
    assert entry.actor == staff["prescriber"] and entry.object_type == "protocols.treatmentplan"
    assert entry.detail["reason"] == "Transferred from another clinic's approval"
    assert set(entry.detail["missing"]) == {"candidacy", "weight", "consent"}

    # Starting it is checked again and needs its own reason.
    with pytest.raises(ValidationError):
        actions.do_change_plan_status(staff["prescriber"], plan.pk, status="active", reason="Start")
    actions.do_change_plan_status(
        staff["prescriber"], plan.pk, status="active", reason="Start", override_reason="Approval letter on file"
    )
    overrides = [e for e in audit_entries(patient=weighed_patient) if e.detail.get("prerequisites_override")]
    assert [e.detail["status"] for e in overrides] == ["proposed", "active"]


def test_only_a_clinic_admin_sets_the_override_policy_and_it_is_audited(staff, audit_entries):
    with pytest.raises(PermissionDenied):
        actions.do_update_protocol_settings(staff["prescriber"], prescriber_may_override_plan_prerequisites=True)
    row = actions.do_update_protocol_settings(staff["clinic_admin"], prescriber_may_override_plan_prerequisites=True)
    assert row.prescriber_may_override_plan_prerequisites
    [entry] = audit_entries(object_type="protocols.protocolsettings")
    assert entry.detail["fields"] == ["prescriber_may_override_plan_prerequisites"]
    with pytest.raises(ValidationError):
        actions.do_update_protocol_settings(staff["clinic_admin"], organisation=None)


def test_the_api_refuses_the_same_way_and_names_what_is_missing(signed_in, staff, weighed_patient, iv_template):
    client = signed_in(staff["prescriber"])
    body = {"template_id": iv_template.pk, "start_date": weighed_patient.today().isoformat()}
    response = client.post(f"{BASE}/patients/{weighed_patient.pk}/plans", body, content_type="application/json")
    assert response.status_code == 422
    messages = " ".join(problem["msg"] for problem in response.json()["detail"])
    assert "No approved candidacy decision" in messages and "No weight recorded today" in messages
    assert not TreatmentPlan.objects.exists()


def test_the_page_refuses_and_names_what_is_missing(signed_in, staff, weighed_patient, iv_template):
    response = signed_in(staff["prescriber"]).post(
        reverse("protocols:plan_list", args=[weighed_patient.pk]),
        {"template_id": iv_template.pk, "start_date": weighed_patient.today().isoformat(), "dose_mg_per_kg": ""},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "No approved candidacy decision" in html
    assert "Override missing prerequisites" not in html  # not offered where the clinic does not allow it
    assert not TreatmentPlan.objects.exists()


# ---------------------------------------------------------------------------
# The maintenance decision waits for the end of the induction


@pytest.fixture
def started_plan(staff, iv_candidate, iv_template):
    plan = actions.do_create_plan_from_template(
        staff["prescriber"],
        iv_candidate.pk,
        template_id=iv_template.pk,
        start_date=iv_candidate.today() - dt.timedelta(days=3),
    )
    return actions.do_change_plan_status(staff["prescriber"], plan.pk, status="active", reason="Start")


def test_a_maintenance_decision_before_the_induction_ends_is_refused(staff, started_plan):
    for decision in ("continue", "extend"):
        errors = refusal(
            lambda d=decision: actions.do_record_maintenance_decision(
                staff["prescriber"], started_plan.pk, decision=d, note="Looks good"
            )
        )
        assert "0 of 6 sessions have taken place" in errors["decision"][0]
    first = started_plan.sessions.get(sequence=1)
    actions.mark_planned_session_completed(first.pk, first.plan.created_at)
    errors = refusal(
        lambda: actions.do_record_maintenance_decision(staff["prescriber"], started_plan.pk, decision="continue")
    )
    assert "1 of 6 sessions" in errors["decision"][0]
    assert not started_plan.maintenance_decisions.exists()


def test_an_early_stop_needs_a_reason_and_stops_the_plan(staff, started_plan, audit_entries):
    errors = refusal(
        lambda: actions.do_record_maintenance_decision(staff["prescriber"], started_plan.pk, decision="stop")
    )
    assert "needs a reason" in errors["note"][0]
    decision = actions.do_record_maintenance_decision(
        staff["prescriber"], started_plan.pk, decision="stop", note="Intolerable dissociation"
    )
    started_plan.refresh_from_db()
    assert started_plan.status == "stopped"  # not completed: the induction did not run its course
    [entry] = audit_entries(object_type="protocols.maintenancedecision")
    assert entry.detail["early_stop"] is True and decision.note == "Intolerable dissociation"


# ---------------------------------------------------------------------------
# A template's dose limits agree


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dose_mg_per_kg": "0.9"}, "dose_mg_per_kg"),  # above its own 0.75 maximum
        ({"dose_mg_per_kg": "0.05"}, "dose_mg_per_kg"),  # below its own 0.1 minimum
        ({"min_dose_mg_per_kg": "0.8"}, "max_dose_mg_per_kg"),  # minimum above maximum
        ({"titration_steps_mg_per_kg": ["0.5", "1.5"]}, "titration_steps_mg_per_kg"),  # above the hard cap
    ],
)
def test_an_iv_template_version_with_inconsistent_limits_is_not_saved(staff, iv_template, changes, field):
    errors = refusal(lambda: actions.do_edit_template(staff["clinic_admin"], iv_template.pk, **changes))
    assert field in errors
    assert ProtocolTemplate.objects.filter(code=iv_template.code).count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dose_mg_per_kg": "0.5"}, "dose_mg_per_kg"),  # a fixed-dose route has no mg/kg dose
        ({"max_dose_mg_per_session": "28"}, "max_dose_mg_per_session"),  # below its 56 mg minimum
        ({"max_dose_mg_per_session": "56"}, "fixed_dose_schedule"),  # the schedule offers 84 mg
    ],
)
def test_an_esketamine_template_version_with_inconsistent_limits_is_not_saved(
    staff, esketamine_template, changes, field
):
    errors = refusal(lambda: actions.do_edit_template(staff["clinic_admin"], esketamine_template.pk, **changes))
    assert field in errors


def test_the_api_schema_refuses_a_dose_above_the_templates_maximum(signed_in, staff):
    body = {
        "code": "iv-high",
        "name": "IV high",
        "route": "iv",
        "drug": "ketamine_racemic",
        "infusion_min": 40,
        "dose_mg_per_kg": "0.9",
        "max_dose_mg_per_kg": "0.75",
        "induction_session_count": 6,
        "induction_window_days": 21,
        "sessions_per_week_min": 2,
        "sessions_per_week_max": 3,
        "session_length_min": 90,
    }
    response = signed_in(staff["clinic_admin"]).post(f"{BASE}/templates", body, content_type="application/json")
    assert response.status_code == 422
    assert "dose_mg_per_kg: 0.9 mg/kg is above the template's maximum" in response.json()["detail"][0]["msg"]
    assert not ProtocolTemplate.objects.filter(code="iv-high").exists()
    del body["dose_mg_per_kg"]
    response = signed_in(staff["clinic_admin"]).post(f"{BASE}/templates", body, content_type="application/json")
    assert response.status_code == 201


def test_the_clinic_admin_sets_the_policy_on_its_page(signed_in, staff, org):
    client = signed_in(staff["clinic_admin"])
    url = reverse("protocols:settings")
    assert "candidacy decision" in client.get(url).content.decode()
    response = client.post(url, {"prescriber_may_override_plan_prerequisites": "on"})
    assert response.status_code == 302
    assert ProtocolSettings.objects.get(organisation=org).prescriber_may_override_plan_prerequisites
    assert signed_in(staff["prescriber"]).get(url).status_code == 403
