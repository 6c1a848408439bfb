"""Maintenance decisions through the action, the page and the API: access, notes, audit, plan status."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.measures.models import MeasurementSettings, QuestionnaireResponse, ResponseChannel, ResponseStatus
from ketacare.protocols import actions
from ketacare.protocols.models import MaintenanceDecision, PlanRevision
from ketacare.protocols.selectors import access_maintenance_review_by_plan_id


def submit(patient, instrument: str, on: dt.date, total: int, amends=None) -> QuestionnaireResponse:
    at = dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC)
    return QuestionnaireResponse.objects.create(
        patient=patient,
        instrument=instrument,
        instrument_version="test",
        status=ResponseStatus.SUBMITTED,
        total=total,
        submitted_at=at,
        channel=ResponseChannel.STAFF,
        amends=amends,
    )


@pytest.fixture
def started_plan(staff, iv_candidate, iv_template):
    """An IV plan started 20 days ago, its induction under way (no session done yet)."""
    start = iv_candidate.today() - dt.timedelta(days=20)
    plan = actions.do_create_plan_from_template(
        staff["prescriber"], iv_candidate.pk, template_id=iv_template.pk, start_date=start
    )
    return actions.do_change_plan_status(staff["prescriber"], plan.pk, status="active", reason="Started")


@pytest.fixture
def plan(started_plan):
    """`started_plan` with every induction session done (scheduling marks each when its appointment is
    completed at discharge): the end of induction, when the maintenance decision is due."""
    for session in started_plan.sessions.all():
        actions.mark_planned_session_completed(session.pk, timezone.now())
    return started_plan


def scores(plan, baseline: int, latest: int, instrument: str = "phq9"):
    submit(plan.patient, instrument, plan.start_date - dt.timedelta(days=1), baseline)
    submit(plan.patient, instrument, plan.start_date + dt.timedelta(days=14), latest)


def test_the_proposal_comes_from_the_patients_submitted_scores(staff, plan, audit_entries):
    scores(plan, 20, 8)
    review = access_maintenance_review_by_plan_id(staff["nurse"], plan.pk)
    assert review.proposal.proposal == "continue_to_maintenance"
    assert (review.proposal.baseline_total, review.proposal.latest_total) == (20, 8)
    [entry] = [
        e for e in audit_entries(patient=plan.patient, action=AuditAction.VIEW) if "maintenance_proposal" in e.detail
    ]
    assert entry.detail == {"maintenance_proposal": "continue_to_maintenance", "instrument": "phq9"}


def test_an_amendment_replaces_what_it_amends(staff, plan):
    submit(plan.patient, "phq9", plan.start_date - dt.timedelta(days=1), 20)
    wrong = submit(plan.patient, "phq9", plan.start_date + dt.timedelta(days=14), 18)
    submit(plan.patient, "phq9", plan.start_date + dt.timedelta(days=15), 9, amends=wrong)
    review = access_maintenance_review_by_plan_id(staff["prescriber"], plan.pk)
    assert review.series.points == [
        (plan.start_date - dt.timedelta(days=1), 20),
        (plan.start_date + dt.timedelta(days=14), 9),
    ]
    assert review.proposal.proposal == "continue_to_maintenance"


def test_other_instruments_are_kept_apart(staff, plan):
    scores(plan, 20, 8, instrument="gad7")
    assert access_maintenance_review_by_plan_id(staff["prescriber"], plan.pk).proposal.proposal == "insufficient_data"
    assert access_maintenance_review_by_plan_id(staff["prescriber"], plan.pk, "gad7").proposal.proposal == (
        "continue_to_maintenance"
    )


def test_a_prescriber_follows_the_proposal_without_a_note(staff, plan, audit_entries):
    scores(plan, 20, 8)
    record = actions.do_record_maintenance_decision(staff["prescriber"], plan.pk, decision="continue")
    assert (record.decision, record.interval_weeks, record.note) == ("continue", 2, "")
    assert record.proposal["proposal"] == "continue_to_maintenance" and record.proposal["baseline_total"] == 20
    revision = PlanRevision.objects.filter(plan=plan).first()
    assert revision.reason.startswith("Maintenance decision: continue, every 2 weeks")
    [entry] = audit_entries(
        patient=plan.patient, action=AuditAction.CREATE, object_type="protocols.maintenancedecision"
    )
    assert entry.detail["overrides_proposal"] is False


@pytest.mark.parametrize("role", ["nurse", "therapist", "front_desk", "clinic_admin"])
def test_only_a_prescriber_decides(staff, plan, role):
    scores(plan, 20, 8)
    with pytest.raises(PermissionDenied):
        actions.do_record_maintenance_decision(staff[role], plan.pk, decision="continue")
    assert not MaintenanceDecision.objects.exists()


def test_overriding_the_proposal_needs_a_note(staff, plan):
    scores(plan, 20, 19)  # 5% fall: stop
    with pytest.raises(ValidationError) as error:
        actions.do_record_maintenance_decision(staff["prescriber"], plan.pk, decision="extend")
    assert "note" in error.value.message_dict
    assert not MaintenanceDecision.objects.exists() and plan.revisions.count() == 2
    record = actions.do_record_maintenance_decision(
        staff["prescriber"], plan.pk, decision="extend", note="Partial benefit reported by family"
    )
    assert record.proposal["proposal"] == "stop" and record.note == "Partial benefit reported by family"


def test_insufficient_data_needs_a_note_for_any_decision(staff, plan):
    with pytest.raises(ValidationError) as error:
        actions.do_record_maintenance_decision(staff["prescriber"], plan.pk, decision="stop")
    assert "note" in error.value.message_dict


def test_stop_completes_the_plan(staff, plan, audit_entries):
    scores(plan, 20, 19)
    actions.do_record_maintenance_decision(staff["prescriber"], plan.pk, decision="stop")
    plan.refresh_from_db()
    assert plan.status == "completed"
    [change] = [
        e
        for e in audit_entries(patient=plan.patient, action=AuditAction.STATUS_CHANGE)
        if e.detail["to"] == "completed"
    ]
    assert "proposal: stop" in change.detail["reason"]


def test_bad_input_changes_nothing(staff, plan):
    scores(plan, 20, 8)
    for bad in (
        {"decision": "maybe"},
        {"decision": "stop", "interval_weeks": 3, "note": "x"},
        {"decision": "continue", "interval_weeks": 0},
        {"decision": "continue", "instrument": "cadss"},
    ):
        with pytest.raises(ValidationError):
            actions.do_record_maintenance_decision(staff["prescriber"], plan.pk, **bad)
    assert not MaintenanceDecision.objects.exists()


def test_another_organisations_plan_is_not_found(other_staff, plan):
    with pytest.raises(Http404):
        actions.do_record_maintenance_decision(other_staff["prescriber"], plan.pk, decision="stop", note="x")
    with pytest.raises(Http404):
        access_maintenance_review_by_plan_id(other_staff["prescriber"], plan.pk)


def test_a_proposed_plan_has_no_maintenance_decision(staff, iv_candidate, iv_template):
    plan = actions.do_create_plan_from_template(
        staff["prescriber"], iv_candidate.pk, template_id=iv_template.pk, start_date=iv_candidate.today()
    )
    with pytest.raises(ValidationError):
        actions.do_record_maintenance_decision(staff["prescriber"], plan.pk, decision="stop", note="x")


# Pages


def test_the_page_shows_the_proposal_and_the_form_to_a_prescriber(signed_in, staff, plan):
    scores(plan, 20, 15)  # 25% fall: extend
    body = signed_in(staff["prescriber"]).get(reverse("protocols:maintenance", args=[plan.pk])).content.decode()
    assert "Extend induction" in body and "baseline 20" in body and "-25.0%" in body
    assert reverse("protocols:maintenance_decide", args=[plan.pk]) in body
    nurse_body = signed_in(staff["nurse"]).get(reverse("protocols:maintenance", args=[plan.pk])).content.decode()
    assert "Extend induction" in nurse_body
    assert reverse("protocols:maintenance_decide", args=[plan.pk]) not in nurse_body


def test_posting_a_decision_from_the_page(signed_in, staff, plan):
    scores(plan, 20, 15)
    url = reverse("protocols:maintenance_decide", args=[plan.pk])
    client = signed_in(staff["prescriber"])
    response = client.post(url, {"decision": "continue", "instrument": "phq9"})
    assert response.status_code == 200 and "a note is required" in response.content.decode()
    assert not MaintenanceDecision.objects.exists()
    response = client.post(url, {"decision": "extend", "instrument": "phq9"})
    assert response.status_code == 302
    assert MaintenanceDecision.objects.get().decision == "extend"
    assert signed_in(staff["nurse"]).post(url, {"decision": "extend", "instrument": "phq9"}).status_code == 403


def test_another_organisations_page_is_not_found(signed_in, other_staff, plan):
    client = signed_in(other_staff["prescriber"])
    assert client.get(reverse("protocols:maintenance", args=[plan.pk])).status_code == 404
    assert (
        client.post(
            reverse("protocols:maintenance_decide", args=[plan.pk]),
            {"decision": "stop", "note": "x", "instrument": "phq9"},
        ).status_code
        == 404
    )


# API

API = "/api/v1/protocols/plans"


def test_api_proposal_and_decision(signed_in, staff, plan):
    scores(plan, 20, 8)
    client = signed_in(staff["prescriber"])
    response = client.get(f"{API}/{plan.pk}/maintenance-proposal")
    assert response.status_code == 200
    body = response.json()
    assert (body["proposal"], body["proposed_decision"], body["baseline_total"], body["latest_total"]) == (
        "continue_to_maintenance",
        "continue",
        20,
        8,
    )
    assert body["percent_change"] == -60.0 and len(body["scores"]) == 2
    response = client.post(
        f"{API}/{plan.pk}/maintenance-decision",
        {"decision": "continue", "interval_weeks": 3},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert (response.json()["decision"], response.json()["interval_weeks"]) == ("continue", 3)


def test_api_refusals(signed_in, staff, other_staff, plan):
    scores(plan, 20, 8)
    url = f"{API}/{plan.pk}/maintenance-decision"
    nurse = signed_in(staff["nurse"])
    assert nurse.post(url, {"decision": "continue"}, content_type="application/json").status_code == 403
    response = signed_in(staff["prescriber"]).post(url, {"decision": "stop"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "note"]
    other = signed_in(other_staff["prescriber"])
    assert other.get(f"{API}/{plan.pk}/maintenance-proposal").status_code == 404
    assert other.post(url, {"decision": "stop", "note": "x"}, content_type="application/json").status_code == 404
    assert (
        signed_in(staff["prescriber"]).get(f"{API}/{plan.pk}/maintenance-proposal?instrument=cadss").status_code == 422
    )
    assert not MaintenanceDecision.objects.exists()


def test_the_clinics_madrs_remission_threshold_is_used(staff, plan):
    scores(plan, 20, 12, instrument="madrs")  # 40% fall; remission only at the clinic's ≤ 12
    assert access_maintenance_review_by_plan_id(staff["prescriber"], plan.pk, "madrs").proposal.proposal == (
        "extend_induction"
    )
    MeasurementSettings.objects.create(organisation=plan.patient.organisation, madrs_remission_max=12)
    review = access_maintenance_review_by_plan_id(staff["prescriber"], plan.pk, "madrs")
    assert review.proposal.proposal == "continue_to_maintenance" and review.proposal.remission is True
