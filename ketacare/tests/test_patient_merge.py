"""Merging a duplicate record moves its rows in every app (found generically by the registry, which
stands below them), and undoing the merge moves exactly those rows back (issue 14.8)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.documents.actions import do_upload_document
from ketacare.measures import actions as measures_actions
from ketacare.patients import actions as patient_actions
from ketacare.patients.relations import append_only_labels, patient_relations
from ketacare.rems import actions as rems_actions
from ketacare.therapy import actions as therapy_actions


def owners(*patients) -> dict[tuple[str, str, int], int]:
    """{(model, field, row id): patient id} for every row of every app that points at `patients`."""
    ids = [patient.pk for patient in patients]
    return {
        (relation.model_label, relation.field.name, pk): owner
        for relation in patient_relations()
        for pk, owner in relation.model._base_manager.filter(**{f"{relation.field.attname}__in": ids}).values_list(
            "pk", relation.field.attname
        )
    }


@pytest.fixture
def survivor(org, make_patient, staff, portland, make_session_appointment):
    """The record that stays: a weight and an appointment of its own, no candidacy intake."""
    record = make_patient(org, 60, first_name="Robin", last_name="Hale", date_of_birth=dt.date(1985, 3, 14))
    patient_actions.do_record_weight(staff["nurse"], record.pk, weight_kg=70, measured_on=record.today())
    make_session_appointment(record, portland, "iv_infusion", staff["front_desk"])
    return record


@pytest.fixture
def duplicate(org, make_patient, staff, portland, make_treatment_plan, make_session_appointment):
    """The same person registered again, with a history: an active IV plan (candidacy intake and decision,
    weight), a GAD-7 assigned, a PHQ-9 entered by staff, appointments and a psychotherapy note."""
    record = make_patient(org, 61, first_name="Robin", last_name="Hale", date_of_birth=dt.date(1985, 3, 14))
    make_treatment_plan(record, "iv-racemic-ketamine", staff["prescriber"])
    measures_actions.do_enter_response(staff["prescriber"], record, "phq9", dict(enumerate([1] * 9, 1)))
    measures_actions.do_assign_questionnaire(staff["nurse"], record, "gad7", timezone.now() + dt.timedelta(days=1))
    make_session_appointment(record, portland, "iv_infusion", staff["front_desk"])
    therapy_actions.do_create_psychotherapy_note(staff["therapist"], record.pk, text="Session one")
    do_upload_document(
        staff["front_desk"],
        record.pk,
        upload=SimpleUploadedFile("referral.pdf", b"%PDF-1.4\n%%EOF\n"),
        category="referral",
        document_date=record.today(),
        title="Referral letter",
    )
    return record


def test_merge_moves_every_apps_rows_and_unmerge_restores_them_exactly(staff, survivor, duplicate, audit_entries):
    admin = staff["clinic_admin"]
    before = owners(survivor, duplicate)
    moved_models = {key[0] for key, owner in before.items() if owner == duplicate.pk}
    for model in [
        "protocols.treatmentplan",
        "candidacy.intake",
        "candidacy.candidacydecision",
        "measures.questionnaireresponse",
        "measures.questionnaireassignment",
        "measures.alert",
        "scheduling.appointment",
        "therapy.psychotherapynote",
        "patients.weightmeasurement",
        "documents.patientdocument",
    ]:
        assert model in moved_models, model

    patient_actions.do_merge_patients(admin, survivor_id=survivor.pk, duplicate_id=duplicate.pk, reason="Same person")
    merged = owners(survivor, duplicate)
    assert set(merged) == set(before) and set(merged.values()) == {survivor.pk}
    [entry] = [
        entry
        for entry in audit_entries(patient=duplicate, action=AuditAction.STATUS_CHANGE)
        if entry.detail.get("change") == "merge"
    ]
    listed = {(item["model"], item["field"], pk) for item in entry.detail["moved"] for pk in item["ids"]}
    assert listed == {key for key, owner in before.items() if owner == duplicate.pk}
    # The audit trail and the ledger are not rewritten: the duplicate's entries still name it.
    assert {"audit.auditentry", "ledger.ledgerentry"} <= set(append_only_labels())
    assert not {"audit.auditentry", "ledger.ledgerentry"} & {model for model, _, _ in listed}
    assert audit_entries(patient=duplicate, action=AuditAction.CREATE)

    patient_actions.do_unmerge_patients(admin, duplicate_id=duplicate.pk, reason="Not the same person")
    assert owners(survivor, duplicate) == before


def test_two_candidacy_intakes_are_a_conflict_named_on_the_survivor_field(staff, survivor, duplicate, make_plan_ready):
    make_plan_ready(survivor, "iv", staff["prescriber"])
    before = owners(survivor, duplicate)
    with pytest.raises(ValidationError) as refused:
        patient_actions.do_merge_patients(
            staff["clinic_admin"], survivor_id=survivor.pk, duplicate_id=duplicate.pk, reason="Same person"
        )
    assert any("candidacy.intake" in message for message in refused.value.message_dict["survivor_id"])
    assert owners(survivor, duplicate) == before


def test_two_active_rems_enrollments_are_a_conflict(staff, survivor, make_patient, org):
    other = make_patient(org, 62, first_name="Robin", last_name="Hale", date_of_birth=dt.date(1985, 3, 14))
    for record, number in ((survivor, "PT-1"), (other, "PT-2")):
        rems_actions.do_enroll_patient(
            staff["prescriber"], record.pk, enrollment_id=number, enrolled_on=dt.date(2026, 11, 1)
        )
    with pytest.raises(ValidationError) as refused:
        patient_actions.do_merge_patients(
            staff["clinic_admin"], survivor_id=survivor.pk, duplicate_id=other.pk, reason="Same person"
        )
    assert any("rems.remsenrollment" in message for message in refused.value.message_dict["survivor_id"])
