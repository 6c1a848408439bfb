"""Prescribers decide per route; approving a not-eligible route is an audited override that needs a reason."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ketacare.audit.models import AuditAction
from ketacare.candidacy import actions
from ketacare.candidacy.models import CandidacyDecision
from ketacare.candidacy.selectors import approved_routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def excluded(staff, patient, intake):
    """Current psychosis: the racemic routes are not eligible (clinic policy)."""
    actions.do_save_intake(staff["nurse"], patient.pk, psychosis="current")
    return intake


def test_approving_an_eligible_route_snapshots_what_was_shown(staff, patient, intake, audit_entries):
    decision = actions.do_record_decision(
        staff["prescriber"],
        patient.pk,
        route="esketamine_intranasal",
        decision="approve",
        reason="discussed",
    )
    assert decision.result == "eligible_with_cautions"
    assert decision.override is False
    assert decision.snapshot["policy"]["trd_minimum_failed_trials"] == 2
    assert {f["code"] for f in decision.snapshot["findings"]} >= {"medication.benzodiazepine"}
    entry = audit_entries(patient=patient, object_type="candidacy.candidacydecision")[-1]
    assert entry.action == AuditAction.CREATE
    assert entry.detail["override"] is False


def test_an_override_without_a_reason_is_refused_and_records_nothing(staff, patient, excluded, audit_entries):
    count = len(audit_entries(patient=patient))
    with pytest.raises(ValidationError) as caught:
        actions.do_record_decision(
            staff["prescriber"], patient.pk, route="ketamine_iv", decision="approve", reason="  "
        )
    assert "reason" in caught.value.message_dict
    assert not CandidacyDecision.objects.exists()
    assert len(audit_entries(patient=patient)) == count


def test_an_override_with_a_reason_is_recorded_and_audited_as_one(staff, patient, excluded, audit_entries):
    decision = actions.do_record_decision(
        staff["prescriber"],
        patient.pk,
        route="ketamine_iv",
        decision="approve",
        reason="psychiatrist consulted",
    )
    assert decision.result == "not_eligible"
    assert decision.override is True
    assert decision.snapshot["findings"][0]["severity"] == "contraindication"
    entry = audit_entries(patient=patient, object_type="candidacy.candidacydecision")[-1]
    assert entry.detail["override"] is True
    assert entry.actor == staff["prescriber"]


def test_declining_a_not_eligible_route_needs_no_reason(staff, patient, excluded):
    decision = actions.do_record_decision(staff["prescriber"], patient.pk, route="ketamine_im", decision="decline")
    assert decision.override is False


@pytest.mark.parametrize("role", ["nurse", "front_desk", "therapist", "clinic_admin"])
def test_only_prescribers_decide(staff, patient, intake, role):
    with pytest.raises(PermissionDenied):
        actions.do_record_decision(staff[role], patient.pk, route="ketamine_iv", decision="approve", reason="x")
    assert not CandidacyDecision.objects.exists()


def test_another_organisations_prescriber_gets_404(other_staff, patient, intake):
    with pytest.raises(Http404):
        actions.do_record_decision(other_staff["prescriber"], patient.pk, route="ketamine_iv", decision="decline")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"route": "ketamine_oral", "decision": "approve"}, "route"),
        ({"route": "ketamine_iv", "decision": "maybe"}, "decision"),
    ],
)
def test_bad_decision_input_is_named(staff, patient, intake, fields, field):
    with pytest.raises(ValidationError) as caught:
        actions.do_record_decision(staff["prescriber"], patient.pk, **fields)
    assert field in caught.value.message_dict
    assert not CandidacyDecision.objects.exists()


def test_no_decision_without_an_evaluable_intake(staff, patient):
    with pytest.raises(ValidationError) as caught:
        actions.do_record_decision(staff["prescriber"], patient.pk, route="ketamine_iv", decision="decline")
    assert "intake" in caught.value.message_dict


def test_no_decision_on_an_unreviewed_patient_entered_intake(staff, patient, intake):
    actions.do_save_own_intake(patient.user, psychosis="none")
    with pytest.raises(ValidationError) as caught:
        actions.do_record_decision(staff["prescriber"], patient.pk, route="ketamine_iv", decision="decline")
    assert "not reviewed" in caught.value.message_dict["intake"][0]
    actions.do_confirm_intake(staff["nurse"], patient.pk)
    assert actions.do_record_decision(staff["prescriber"], patient.pk, route="ketamine_iv", decision="decline")


def test_approved_routes_follow_the_latest_decision_without_building_their_sql_again(
    staff, patient, intake, sql_built_for
):
    """Asked on every chart: the SQL is built at the first read on a connection only (issue 19), and each read
    still asks the database (a later decline withdraws the approval at once)."""
    prescriber = staff["prescriber"]
    route = "esketamine_intranasal"
    assert approved_routes(patient) == frozenset()
    actions.do_record_decision(prescriber, patient.pk, route=route, decision="approve", reason="discussed")
    assert approved_routes(patient) == {route}
    actions.do_record_decision(prescriber, patient.pk, route=route, decision="decline", reason="changed mind")
    sql_built_for.clear()
    assert approved_routes(patient) == frozenset()
    assert CandidacyDecision not in sql_built_for
