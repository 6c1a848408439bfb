"""Registry actions called directly: what they write, what they refuse, what they audit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ketacare.audit.models import AuditAction
from ketacare.patients import actions
from ketacare.patients.models import Patient


def test_record_numbers_count_up_per_organisation(staff, other_staff):
    first = actions.do_register_patient(
        staff["front_desk"],
        organisation=staff["front_desk"].organisation,
        first_name="A",
        last_name="One",
        date_of_birth=dt.date(1980, 1, 1),
    )
    second = actions.do_register_patient(
        staff["clinic_admin"],
        organisation=staff["clinic_admin"].organisation,
        first_name="B",
        last_name="Two",
        date_of_birth=dt.date(1980, 1, 1),
    )
    theirs = actions.do_register_patient(
        other_staff["front_desk"],
        organisation=other_staff["front_desk"].organisation,
        first_name="C",
        last_name="Three",
        date_of_birth=dt.date(1980, 1, 1),
    )
    assert [first.record_number, second.record_number, theirs.record_number] == ["KC-000001", "KC-000002", "KC-000001"]


def test_staff_cannot_register_into_another_organisation(staff, other_org):
    with pytest.raises(PermissionDenied):
        actions.do_register_patient(
            staff["front_desk"],
            organisation=other_org,
            first_name="A",
            last_name="One",
            date_of_birth=dt.date(1980, 1, 1),
        )
    assert not Patient.objects.exists()


def test_fields_outside_the_registry_forms_cannot_be_set(staff, patient):
    with pytest.raises(ValidationError) as caught:
        actions.do_update_patient(staff["front_desk"], patient.pk, record_number="KC-999999")
    assert caught.value.message_dict == {"record_number": ["This field cannot be set here."]}


def test_a_name_without_letters_is_refused(staff, patient):
    with pytest.raises(ValidationError) as caught:
        actions.do_update_patient(staff["front_desk"], patient.pk, last_name="!!!")
    assert "last_name" in caught.value.message_dict


def test_saving_unchanged_values_writes_no_audit_entry(staff, patient, audit_entries):
    actions.do_update_patient(staff["front_desk"], patient.pk, email=patient.email, first_name=patient.first_name)
    assert not audit_entries(patient=patient)


def test_an_already_normalised_phone_typed_differently_is_not_a_change(staff, patient, audit_entries):
    actions.do_update_patient(staff["front_desk"], patient.pk, phone="+15035550100")
    actions.do_update_patient(staff["front_desk"], patient.pk, phone="(503) 555-0100")
    assert len(audit_entries(patient=patient, action=AuditAction.UPDATE)) == 1


def test_a_stage_and_a_contact_changed_together_are_two_entries(staff, patient, audit_entries):
    actions.do_update_patient(
        staff["nurse"], patient.pk, stage="maintenance", pronouns="they/them", stage_reason="Transferred in"
    )
    assert [(e.action, e.detail) for e in audit_entries(patient=patient)] == [
        (AuditAction.UPDATE, {"fields": ["pronouns"]}),
        (
            AuditAction.STATUS_CHANGE,
            {"fields": ["stage"], "from": "registered", "to": "maintenance", "reason": "Transferred in"},
        ),
    ]


def test_a_stage_changed_by_hand_needs_a_reason_and_nothing_changes_without_one(staff, patient, audit_entries):
    with pytest.raises(ValidationError) as error:
        actions.do_update_patient(staff["nurse"], patient.pk, stage="maintenance", pronouns="they/them")
    assert "stage_reason" in error.value.message_dict
    patient.refresh_from_db()
    assert (patient.stage, patient.pronouns) == ("registered", "")
    assert not audit_entries(patient=patient)


def test_a_renamed_patient_is_found_under_the_new_name(staff, patient):
    actions.do_update_patient(staff["front_desk"], patient.pk, last_name="Müller")
    patient.refresh_from_db()
    assert patient.last_name_key == "muller"


def test_a_patient_account_cannot_write_its_own_record(patient):
    with pytest.raises(PermissionDenied):
        actions.do_update_patient(patient.user, patient.pk, email="me@example.org")
    with pytest.raises(PermissionDenied):
        actions.do_record_weight(patient.user, patient.pk, weight_kg="70", measured_on=dt.date(2024, 1, 1))


def test_a_therapist_cannot_write_clinical_entries(staff, patient):
    with pytest.raises(PermissionDenied):
        actions.do_add_medication(staff["therapist"], patient.pk, name="Sertraline")


def test_clinical_writes_to_another_organisations_patient_are_not_found(staff, other_org_patient):
    with pytest.raises(Http404):
        actions.do_add_allergy(staff["nurse"], other_org_patient.pk, substance="Latex")


def test_entered_in_error_is_final(staff, patient):
    diagnosis = actions.do_add_diagnosis(staff["nurse"], patient.pk, icd10_code="F33.1", description="MDD")
    actions.do_change_diagnosis_status(staff["nurse"], patient.pk, diagnosis.pk, status="entered_in_error")
    with pytest.raises(ValidationError) as caught:
        actions.do_change_diagnosis_status(staff["nurse"], patient.pk, diagnosis.pk, status="active")
    assert "cannot change" in caught.value.message_dict["status"][0]
    diagnosis.refresh_from_db()
    assert diagnosis.status == "entered_in_error"


def test_a_medication_cannot_stop_before_it_started(staff, patient, audit_entries):
    medication = actions.do_add_medication(
        staff["nurse"], patient.pk, name="Sertraline", started_on=dt.date(2024, 5, 1)
    )
    with pytest.raises(ValidationError) as caught:
        actions.do_change_medication_status(
            staff["nurse"], patient.pk, medication.pk, status="stopped", stopped_on=dt.date(2024, 4, 1)
        )
    assert caught.value.message_dict == {"stopped_on": ["The stop date cannot be before the start date."]}
    medication.refresh_from_db()
    assert (medication.status, medication.stopped_on) == ("active", None)
    assert not audit_entries(action=AuditAction.STATUS_CHANGE)


def test_a_future_onset_date_is_refused(staff, patient):
    with pytest.raises(ValidationError) as caught:
        actions.do_add_diagnosis(
            staff["nurse"],
            patient.pk,
            icd10_code="F33.1",
            description="MDD",
            onset_date=dt.date.today() + dt.timedelta(days=30),
        )
    assert "onset_date" in caught.value.message_dict
    assert not patient.diagnoses.exists()


def test_audit_details_never_carry_values(staff, patient, audit_entries):
    actions.do_update_patient(staff["front_desk"], patient.pk, email="secret@example.org", city="Portland")
    actions.do_add_allergy(staff["nurse"], patient.pk, substance="Peanuts", reaction="Anaphylaxis")
    text = repr([entry.detail for entry in audit_entries(patient=patient)])
    for value in ["secret@example.org", "Portland", "Peanuts", "Anaphylaxis"]:
        assert value not in text
