"""Consultation notes: drafts by a prescriber, signed and locked (action, model, database), addenda
only afterwards; who may read and write; the risk screens and candidacy evaluation they show."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.http import Http404

from ketacare.audit.models import AuditAction
from ketacare.consultations import actions
from ketacare.consultations.models import (
    ConsultationNote,
    ConsultationNoteAddendum,
    LockedConsultationNoteError,
)
from ketacare.consultations.selectors import (
    access_consultation_note_by_id,
    access_consultation_notes_by_patient_id,
    chart_facts,
    facts_of,
)
from ketacare.measures.actions import do_enter_response

from .conftest import CSSRS_LOW_RISK, CSSRS_MODERATE_RISK, SIGNABLE, chart_today, phq9


def test_a_prescriber_writes_a_draft_and_only_its_author_changes_it(patient, staff, other_prescriber, audit_entries):
    note = actions.do_create_consultation_note(staff["prescriber"], patient.pk, history_of_present_illness="Low mood")
    assert (note.status, note.author, note.attached_facts) == ("draft", staff["prescriber"], {})
    actions.do_update_consultation_note(staff["prescriber"], note.pk, psychiatric_history="MDD")
    with pytest.raises(ValidationError) as error:
        actions.do_update_consultation_note(other_prescriber, note.pk, psychiatric_history="Rewritten")
    assert "status" in error.value.message_dict
    note.refresh_from_db()
    assert note.psychiatric_history == "MDD"
    entry = audit_entries(object_type="consultations.consultationnote", action=AuditAction.UPDATE)[0]
    assert entry.detail == {"fields": ["psychiatric_history"]}  # the fields, never their text


def test_only_prescribers_write_or_sign(patient, staff, draft):
    for role in ("nurse", "therapist", "front_desk", "clinic_admin"):
        with pytest.raises(PermissionDenied):
            actions.do_create_consultation_note(staff[role], patient.pk, **SIGNABLE)
        with pytest.raises(PermissionDenied):
            actions.do_sign_consultation_note(staff[role], draft.pk)
    assert ConsultationNote.objects.get().status == "draft"


def test_signing_needs_the_findings_the_decision_and_the_consent_discussion(patient, staff):
    note = actions.do_create_consultation_note(staff["prescriber"], patient.pk, history_of_present_illness="Low mood")
    with pytest.raises(ValidationError) as error:
        actions.do_sign_consultation_note(staff["prescriber"], note.pk)
    assert set(error.value.message_dict) == {
        "mental_status_exam",
        "risk_assessment",
        "assessment_and_plan",
        "consent_discussion",
    }
    note.refresh_from_db()
    assert note.status == "draft"


def test_a_signed_note_is_locked_and_takes_addenda(staff, signed, other_prescriber):
    assert (signed.status, signed.signed_by) == ("signed", staff["prescriber"])
    with pytest.raises(ValidationError) as error:
        actions.do_update_consultation_note(staff["prescriber"], signed.pk, assessment_and_plan="Changed")
    assert "status" in error.value.message_dict
    with pytest.raises(ValidationError):
        actions.do_sign_consultation_note(staff["prescriber"], signed.pk)
    signed.assessment_and_plan = "Changed"
    with pytest.raises(LockedConsultationNoteError):
        signed.save()
    with pytest.raises(LockedConsultationNoteError):
        signed.delete()
    addendum = actions.do_add_consultation_note_addendum(other_prescriber, signed.pk, text="BP rechecked: 128/80")
    assert (addendum.written_by, addendum.text) == (other_prescriber, "BP rechecked: 128/80")
    assert ConsultationNote.objects.get().assessment_and_plan == SIGNABLE["assessment_and_plan"]


def test_an_addendum_needs_a_signed_note_and_text(staff, draft):
    with pytest.raises(ValidationError) as error:
        actions.do_add_consultation_note_addendum(staff["prescriber"], draft.pk, text="Too early")
    assert "text" in error.value.message_dict
    actions.do_sign_consultation_note(staff["prescriber"], draft.pk)
    with pytest.raises(ValidationError) as error:
        actions.do_add_consultation_note_addendum(staff["prescriber"], draft.pk, text="   ")
    assert "text" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.do_add_consultation_note_addendum(staff["nurse"], draft.pk, text="Nurse addendum")
    assert not ConsultationNoteAddendum.objects.exists()


def test_the_database_refuses_rewriting_a_signed_note_or_an_addendum(staff, signed, second_patient):
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsultationNote.objects.filter(pk=signed.pk).update(assessment_and_plan="Rewritten in a shell")
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsultationNote.objects.filter(pk=signed.pk).update(status="draft")
    addendum = actions.do_add_consultation_note_addendum(staff["prescriber"], signed.pk, text="Addendum")
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsultationNoteAddendum.objects.filter(pk=addendum.pk).update(text="Rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        ConsultationNoteAddendum.objects.filter(pk=addendum.pk)._raw_delete(ConsultationNoteAddendum.objects.db)
    # Merging a duplicate record moves the note to the surviving patient: allowed, nothing signed changes.
    ConsultationNote.objects.filter(pk=signed.pk).update(patient=second_patient)
    assert ConsultationNote.objects.get(pk=signed.pk).assessment_and_plan == SIGNABLE["assessment_and_plan"]


def test_reads_are_audited_and_another_organisation_finds_nothing(patient, staff, other_staff, draft, audit_entries):
    access_consultation_note_by_id(staff["therapist"], draft.pk)
    assert (
        audit_entries(object_type="consultations.consultationnote", action=AuditAction.VIEW)[0].actor
        == staff["therapist"]
    )
    _, notes = access_consultation_notes_by_patient_id(staff["nurse"], patient.pk)
    assert notes == [draft]
    assert audit_entries(object_type="consultations.consultationnote", action=AuditAction.LIST)
    with pytest.raises(Http404):
        access_consultation_note_by_id(other_staff["prescriber"], draft.pk)
    with pytest.raises(Http404):
        actions.do_update_consultation_note(other_staff["prescriber"], draft.pk, medical_history="x")
    with pytest.raises(PermissionDenied):
        access_consultation_note_by_id(staff["front_desk"], draft.pk)
    with pytest.raises(PermissionDenied):
        access_consultation_note_by_id(staff["clinic_admin"], draft.pk)


def test_the_risk_section_shows_the_latest_cssrs_and_phq9_item_9(patient, staff):
    nurse = staff["nurse"]
    do_enter_response(nurse, patient, "cssrs_screener", CSSRS_LOW_RISK)
    do_enter_response(nurse, patient, "cssrs_screener", CSSRS_MODERATE_RISK)
    do_enter_response(nurse, patient, "phq9", phq9(0))
    do_enter_response(nurse, patient, "phq9", phq9(2))
    facts = chart_facts(patient)
    today = chart_today(patient)
    assert (facts["cssrs"]["level"], facts["cssrs"]["taken_on"]) == ("Moderate risk", today)
    assert facts["phq9_item9"] | {"response_id": None} == {
        "answer": 2,
        "answer_label": "More than half the days",
        "taken_on": today,
        "response_id": None,
    }


def test_signing_keeps_the_facts_the_prescriber_signed_against(patient, staff, draft):
    do_enter_response(staff["nurse"], patient, "phq9", phq9(1))
    signed = actions.do_sign_consultation_note(staff["prescriber"], draft.pk)
    assert signed.attached_facts["phq9_item9"]["answer"] == 1
    assert signed.attached_facts["candidacy"]["intake"] is None  # no intake yet: said, not invented
    do_enter_response(staff["nurse"], patient, "phq9", phq9(3))
    assert facts_of(ConsultationNote.objects.get(pk=signed.pk))["phq9_item9"]["answer"] == 1
    assert chart_facts(patient)["phq9_item9"]["answer"] == 3
