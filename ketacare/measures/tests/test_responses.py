"""Self-report: assign, save as you go, submit once, scored by the domain scorer, amend by new response."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.http import Http404

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.measures import actions
from ketacare.measures.models import (
    AssignmentStatus,
    QuestionnaireAssignment,
    QuestionnaireResponse,
    ResponseStatus,
    SubmittedResponseError,
    hash_link_token,
)
from ketacare.measures.tests.conftest import PHQ9_SAFE, as_answers
from ketacare.outbox.models import MailKind, OutgoingMessage

pytestmark = pytest.mark.django_db


def test_assigning_stores_only_the_token_hash_and_queues_the_link_for_the_dispatcher(
    assign, patient, django_capture_on_commit_callbacks, smtp_server
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = assign(patient)
    assignment = outcome.assignment
    assert assignment.link_token_sha256 == hash_link_token(outcome.link_token)
    assert outcome.link_token not in assignment.link_token_sha256
    assert smtp_server.messages == []  # queued with the assignment, never sent inside the request
    queued = OutgoingMessage.objects.get()
    assert (queued.kind, queued.send_before) == (MailKind.QUESTIONNAIRE_LINK, assignment.link_expires_at)
    call_command("outbox", "dispatch")
    [message] = smtp_server.messages
    body = message.get_payload(decode=True).decode()
    assert message["To"] == patient.email
    assert f"https://clinic.example/measures/r/{outcome.link_token}/" in body
    assert "PHQ" not in message["Subject"] + body  # email is not private: no clinical detail
    assert (
        AuditEntry.objects.filter(
            action=AuditAction.CREATE, patient=patient, object_type="measures.questionnaireassignment"
        ).count()
        == 1
    )


def test_link_validity_comes_from_the_organisation_setting(assign, patient):
    from ketacare.measures.models import MeasurementSettings

    MeasurementSettings.objects.create(organisation=patient.organisation, link_valid_hours=2)
    assignment = assign(patient).assignment
    hours = (assignment.link_expires_at - assignment.created_at).total_seconds() / 3600
    assert 1.9 < hours < 2.1


@pytest.mark.parametrize(
    "instrument, field", [("madrs", "instrument"), ("cssrs_screener", "instrument"), ("nope", "instrument")]
)
def test_clinician_and_unknown_instruments_cannot_be_assigned(assign, patient, instrument, field):
    with pytest.raises(ValidationError) as caught:
        assign(patient, instrument)
    assert field in caught.value.message_dict
    assert not QuestionnaireAssignment.objects.exists()


def test_another_organisations_staff_cannot_assign(other_staff, patient):
    from django.utils import timezone

    with pytest.raises(Http404):
        actions.do_assign_questionnaire(other_staff["nurse"], patient, "phq9", timezone.now(), "manual")
    assert not QuestionnaireAssignment.objects.exists()


def test_answers_are_saved_as_they_go_and_checked(assign, patient):
    assignment = assign(patient).assignment
    actions.do_save_answer(patient.user, assignment, {"1": 2}, channel="portal")
    actions.do_save_answer(patient.user, assignment, {"2": "3"}, channel="portal")
    response = QuestionnaireResponse.objects.get(assignment=assignment)
    assert response.answers == {"1": 2, "2": 3}
    assert response.status == ResponseStatus.IN_PROGRESS
    with pytest.raises(ValidationError, match="out of range 0–3"):
        actions.do_save_answer(patient.user, assignment, {"3": 4}, channel="portal")
    with pytest.raises(ValidationError, match="no item 10"):
        actions.do_save_answer(patient.user, assignment, {"10": 1}, channel="portal")
    response.refresh_from_db()
    assert response.answers == {"1": 2, "2": 3}


def test_submit_scores_with_the_domain_scorer_and_completes_the_assignment(assign, patient):
    assignment = assign(patient).assignment
    response = actions.do_submit_response(patient.user, assignment, channel="portal", answers=as_answers(PHQ9_SAFE))
    response.refresh_from_db()
    assert (response.status, response.total, response.severity, response.flags) == ("submitted", 8, "mild", [])
    assert response.instrument_version
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.COMPLETED
    assert (
        AuditEntry.objects.filter(
            action=AuditAction.CREATE, patient=patient, object_type="measures.questionnaireresponse"
        ).count()
        == 1
    )


def test_incomplete_answers_are_refused_naming_the_item_and_nothing_changes(assign, patient):
    assignment = assign(patient).assignment
    with pytest.raises(ValidationError, match=r"item 9 \(thoughts"):
        actions.do_submit_response(patient.user, assignment, channel="portal", answers=as_answers(PHQ9_SAFE[:8]))
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING
    assert not QuestionnaireResponse.objects.filter(status=ResponseStatus.SUBMITTED).exists()


def test_a_response_is_submitted_only_once(assign, patient):
    assignment = assign(patient).assignment
    actions.do_submit_response(patient.user, assignment, channel="portal", answers=as_answers(PHQ9_SAFE))
    with pytest.raises(ValidationError, match="already been submitted"):
        actions.do_submit_response(patient.user, assignment, channel="portal", answers=as_answers(PHQ9_SAFE))
    with pytest.raises(ValidationError, match="already been submitted"):
        actions.do_save_answer(patient.user, assignment, {"1": 0}, channel="portal")
    assert QuestionnaireResponse.objects.count() == 1


def test_a_submitted_response_cannot_be_changed(assign, patient):
    response = actions.do_submit_response(
        patient.user, assign(patient).assignment, channel="portal", answers=as_answers(PHQ9_SAFE)
    )
    response.total = 0
    with pytest.raises(SubmittedResponseError):
        response.save()
    with pytest.raises(SubmittedResponseError):
        QuestionnaireResponse.objects.filter(pk=response.pk).update(total=0)
    with pytest.raises(SubmittedResponseError):
        QuestionnaireResponse.objects.filter(pk=response.pk).delete()
    response.refresh_from_db()
    assert response.total == 8


def test_amendment_is_a_new_linked_response_and_the_original_stays(assign, patient, staff):
    original = actions.do_submit_response(
        patient.user, assign(patient).assignment, channel="portal", answers=as_answers(PHQ9_SAFE)
    )
    amendment = actions.do_amend_response(staff["nurse"], original, {"1": 3}, "Patient corrected item 1 at check-in")
    assert amendment.pk != original.pk
    assert (amendment.amends_id, amendment.total, amendment.status) == (original.pk, 10, "submitted")
    assert amendment.amendment_reason == "Patient corrected item 1 at check-in"
    original.refresh_from_db()
    assert (original.total, original.answers["1"]) == (8, 1)
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_id=str(amendment.pk), detail__amends=original.pk
    ).exists()


def test_amendment_needs_a_reason_and_a_clinician(assign, patient, staff):
    original = actions.do_submit_response(
        patient.user, assign(patient).assignment, channel="portal", answers=as_answers(PHQ9_SAFE)
    )
    with pytest.raises(ValidationError) as caught:
        actions.do_amend_response(staff["nurse"], original, {"1": 3}, "  ")
    assert "amendment_reason" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.do_amend_response(staff["front_desk"], original, {"1": 3}, "typo")
    with pytest.raises(PermissionDenied):
        actions.do_amend_response(patient.user, original, {"1": 3}, "typo")
    assert QuestionnaireResponse.objects.count() == 1


def test_staff_enter_a_clinician_rating(staff, patient):
    response = actions.do_enter_response(staff["prescriber"], patient, "madrs", as_answers([2] * 10))
    assert (response.total, response.severity, response.channel, response.assignment) == (20, "moderate", "staff", None)
    with pytest.raises(PermissionDenied):
        actions.do_enter_response(staff["front_desk"], patient, "madrs", as_answers([2] * 10))


def test_a_link_queued_for_a_questionnaire_cancelled_before_it_went_out_is_dropped(assign, patient, staff, smtp_server):
    assignment = assign(patient).assignment
    actions.do_cancel_assignment(staff["nurse"], assignment)
    call_command("outbox", "dispatch")
    assert smtp_server.messages == []
    queued = OutgoingMessage.objects.get(kind=MailKind.QUESTIONNAIRE_LINK)
    assert (queued.status, queued.last_error) == ("dropped", "Questionnaire no longer pending")
