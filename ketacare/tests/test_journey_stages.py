"""The patient's care stage and the request's status move with the journey's actions (issue 14.7)."""

import pytest
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.candidacy import actions as candidacy_actions
from ketacare.inquiries import actions as inquiry_actions
from ketacare.inquiries.models import Inquiry
from ketacare.patients import actions as patient_actions
from ketacare.protocols import actions as protocol_actions


def stage_moves(audit_entries, patient):
    return [
        (e.detail["from"], e.detail["to"])
        for e in audit_entries(patient=patient, action=AuditAction.STATUS_CHANGE, object_type="patients.patient")
    ]


def test_the_stage_follows_candidacy_the_plan_and_the_end_of_induction(staff, iv_candidate, iv_template, audit_entries):
    # iv_candidate: intake saved (screening), IV approved (consultation).
    prescriber = staff["prescriber"]
    plan = protocol_actions.do_create_plan_from_template(
        prescriber, iv_candidate.pk, template_id=iv_template.pk, start_date=iv_candidate.today()
    )
    iv_candidate.refresh_from_db()
    assert iv_candidate.stage == "consultation"  # a proposed plan is not a treatment yet
    protocol_actions.do_change_plan_status(prescriber, plan.pk, status="active", reason="Consent signed")
    iv_candidate.refresh_from_db()
    assert iv_candidate.stage == "induction"
    for session in plan.sessions.all():
        protocol_actions.mark_planned_session_completed(session.pk, timezone.now())
    protocol_actions.do_record_maintenance_decision(
        prescriber, plan.pk, decision="continue", interval_weeks=4, note="Responder"
    )
    iv_candidate.refresh_from_db()
    assert iv_candidate.stage == "maintenance"
    protocol_actions.do_change_plan_status(prescriber, plan.pk, status="completed", reason="Course finished")
    iv_candidate.refresh_from_db()
    assert iv_candidate.stage == "discharged"
    assert stage_moves(audit_entries, iv_candidate) == [
        ("registered", "screening"),
        ("screening", "consultation"),
        ("consultation", "induction"),
        ("induction", "maintenance"),
        ("maintenance", "discharged"),
    ]
    automatic = audit_entries(patient=iv_candidate, action=AuditAction.STATUS_CHANGE, object_type="patients.patient")
    assert all(e.detail["automatic"] and e.detail["reason"] for e in automatic)


def test_a_stage_set_by_hand_is_not_moved_back_by_an_action(staff, patient, intake_answers):
    patient_actions.do_change_patient_stage(
        staff["nurse"], patient.pk, stage="maintenance", reason="Transferred in maintenance"
    )
    answers, trials = intake_answers
    candidacy_actions.do_save_intake(staff["nurse"], patient.pk, weight_kg=70, trials=trials, **answers)
    patient.refresh_from_db()
    assert patient.stage == "maintenance"


@pytest.mark.parametrize(("status", "after"), [("new", "contacted"), ("declined", "declined")])
def test_registering_a_request_as_a_patient_marks_it_contacted(staff, org, status, after):
    request = Inquiry.objects.create(
        organisation=org, first_name="Robin", last_name="Lee", date_of_birth="1985-03-04", status=status
    )
    inquiry_actions.do_convert_inquiry(staff["front_desk"], request.pk)
    request.refresh_from_db()
    assert request.status == after
