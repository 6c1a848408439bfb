"""Merging a duplicate record into another (clinic admins), and undoing it (issue 14.8). The rows of
other apps are moved too: ketacare/tests/test_patient_merge.py."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from ketacare.audit.models import AuditAction
from ketacare.patients import actions
from ketacare.patients.models import Patient
from ketacare.patients.selectors import PatientMerged, access_patient_by_id, search_patients

BASE = "/api/v1/patients"


@pytest.fixture
def duplicate(patient, staff, make_patient):
    """A second record of `patient` (the same name and birth date), with a diagnosis and a weight of its own."""
    record = make_patient(
        patient.organisation, 50, first_name="Pat1", last_name="Example1", date_of_birth=patient.date_of_birth, email=""
    )
    actions.do_add_diagnosis(staff["prescriber"], record.pk, icd10_code="F33.2", description="MDD, recurrent")
    actions.do_record_weight(staff["nurse"], record.pk, weight_kg=Decimal("71.5"), measured_on=record.today())
    return record


def merge(actor, survivor, duplicate, reason="Registered twice at the front desk"):
    return actions.do_merge_patients(actor, survivor_id=survivor.pk, duplicate_id=duplicate.pk, reason=reason)


def test_merge_moves_the_rows_and_unmerge_moves_exactly_those_back(staff, patient, duplicate, audit_entries):
    admin = staff["clinic_admin"]
    own_weight = actions.do_record_weight(
        staff["nurse"], patient.pk, weight_kg=Decimal("70"), measured_on=patient.today()
    )
    moved_ids = sorted(duplicate.weights.values_list("pk", flat=True))
    merge(admin, patient, duplicate)
    duplicate.refresh_from_db()
    assert duplicate.merged_into == patient and duplicate.merged_at is not None
    assert not duplicate.weights.exists() and not duplicate.diagnoses.exists()
    assert sorted(patient.weights.values_list("pk", flat=True)) == sorted([own_weight.pk, *moved_ids])
    [merged] = audit_entries(patient=duplicate, action=AuditAction.STATUS_CHANGE)
    assert {(item["model"], item["field"]): item["ids"] for item in merged.detail["moved"]} == {
        ("patients.diagnosis", "patient"): list(patient.diagnoses.values_list("pk", flat=True)),
        ("patients.weightmeasurement", "patient"): moved_ids,
    }
    assert merged.detail["reason"] == "Registered twice at the front desk"
    # Written on the survivor after the merge: stays there.
    later = actions.do_record_weight(staff["nurse"], patient.pk, weight_kg=Decimal("69"), measured_on=patient.today())

    restored = actions.do_unmerge_patients(admin, duplicate_id=duplicate.pk, reason="Twins, not one person")
    assert restored.merged_into is None and restored.merged_at is None
    assert sorted(duplicate.weights.values_list("pk", flat=True)) == moved_ids
    assert duplicate.diagnoses.count() == 1
    assert sorted(patient.weights.values_list("pk", flat=True)) == sorted([own_weight.pk, later.pk])
    assert audit_entries(patient=duplicate, action=AuditAction.STATUS_CHANGE)[-1].detail["change"] == "unmerge"


def test_a_merged_record_leaves_search_and_its_reads_name_the_survivor(staff, patient, duplicate):
    nurse = staff["nurse"]
    assert duplicate in search_patients(nurse, "example")
    merge(staff["clinic_admin"], patient, duplicate)
    assert search_patients(nurse, "example") == [patient]
    with pytest.raises(PatientMerged) as merged:
        access_patient_by_id(nurse, duplicate.pk)
    assert merged.value.survivor_id == patient.pk
    # No writes to a merged record.
    with pytest.raises(Http404):
        actions.do_record_weight(nurse, duplicate.pk, weight_kg=Decimal("70"), measured_on=duplicate.today())


def test_the_portal_account_follows_the_history_and_comes_back(staff, patient, duplicate):
    portal_user = patient.user
    Patient.objects.filter(pk=patient.pk).update(user=None)
    Patient.objects.filter(pk=duplicate.pk).update(user=portal_user)
    merge(staff["clinic_admin"], patient, duplicate)
    assert Patient.objects.get(pk=patient.pk).user == portal_user
    actions.do_unmerge_patients(staff["clinic_admin"], duplicate_id=duplicate.pk, reason="Not the same person")
    assert Patient.objects.get(pk=duplicate.pk).user == portal_user
    assert Patient.objects.get(pk=patient.pk).user is None


@pytest.mark.parametrize("role", ["front_desk", "nurse", "prescriber", "therapist"])
def test_only_clinic_admins_merge(staff, patient, duplicate, role):
    with pytest.raises(PermissionDenied):
        merge(staff[role], patient, duplicate)
    assert Patient.objects.get(pk=duplicate.pk).merged_into is None


def test_another_organisations_admin_finds_neither_record(other_staff, patient, duplicate):
    with pytest.raises(Http404):
        merge(other_staff["clinic_admin"], patient, duplicate)
    assert duplicate.weights.count() == 1


def test_a_record_from_another_organisation_cannot_be_merged_in(staff, patient, other_org_patient):
    with pytest.raises(Http404):
        merge(staff["clinic_admin"], patient, other_org_patient)


def test_merging_into_itself_is_refused_on_the_survivor_field(staff, patient):
    with pytest.raises(ValidationError) as refused:
        merge(staff["clinic_admin"], patient, patient)
    assert "cannot be merged into itself" in refused.value.message_dict["survivor_id"][0]


def test_merging_into_a_merged_record_is_refused_on_the_survivor_field(staff, patient, duplicate, make_patient):
    admin = staff["clinic_admin"]
    merge(admin, patient, duplicate)
    third = make_patient(patient.organisation, 51)
    with pytest.raises(ValidationError) as refused:
        merge(admin, duplicate, third)
    assert "was itself merged into another record" in refused.value.message_dict["survivor_id"][0]
    with pytest.raises(ValidationError) as again:
        merge(admin, third, duplicate)
    assert "already merged" in again.value.message_dict["duplicate_id"][0]


def test_two_portal_accounts_are_a_conflict_named_on_the_survivor_field(staff, patient, second_patient):
    with pytest.raises(ValidationError) as refused:
        merge(staff["clinic_admin"], patient, second_patient)
    assert "Portal accounts" in refused.value.message_dict["survivor_id"][0]


def test_a_reason_is_required(staff, patient, duplicate):
    with pytest.raises(ValidationError) as refused:
        merge(staff["clinic_admin"], patient, duplicate, reason=" ")
    assert "reason" in refused.value.message_dict
    assert Patient.objects.get(pk=duplicate.pk).merged_into is None


def test_unmerging_a_live_record_is_refused(staff, patient):
    with pytest.raises(ValidationError) as refused:
        actions.do_unmerge_patients(staff["clinic_admin"], duplicate_id=patient.pk, reason="Oops")
    assert "not merged" in refused.value.message_dict["duplicate_id"][0]


def test_a_merge_is_undone_in_reverse_order(staff, patient, duplicate, make_patient):
    admin = staff["clinic_admin"]
    third = make_patient(patient.organisation, 52)
    merge(admin, duplicate, third)
    merge(admin, patient, duplicate)
    with pytest.raises(ValidationError) as refused:
        actions.do_unmerge_patients(admin, duplicate_id=third.pk, reason="Not the same")
    assert "undo that merge first" in refused.value.message_dict["duplicate_id"][0]


def test_the_survivors_access_history_includes_the_duplicates_entries(signed_in, staff, patient, duplicate):
    merge(staff["clinic_admin"], patient, duplicate)
    page = signed_in(staff["clinic_admin"]).get(reverse("patient_access:history", args=[patient.pk]))
    assert page.status_code == 200
    assert "patients.weightmeasurement" in page.content.decode()  # recorded on the duplicate


def test_the_pages_merge_redirect_and_undo(signed_in, staff, patient, duplicate):
    client = signed_in(staff["clinic_admin"])
    form = client.get(reverse("patients:merge", args=[duplicate.pk])).content.decode()
    assert "Weight measurements" in form and patient.record_number in form  # what moves; a suggested survivor
    response = client.post(
        reverse("patients:merge", args=[duplicate.pk]), {"survivor_id": patient.pk, "reason": "Same person"}
    )
    assert response["Location"] == reverse("patients:detail", args=[patient.pk])
    chart = client.get(reverse("patients:detail", args=[duplicate.pk]))
    assert chart.status_code == 302 and chart["Location"] == reverse("patients:detail", args=[patient.pk])
    survivor_chart = client.get(chart["Location"]).content.decode()
    assert reverse("patients:unmerge", args=[duplicate.pk]) in survivor_chart
    response = client.post(reverse("patients:unmerge", args=[duplicate.pk]), {"reason": "Different people"})
    assert response["Location"] == reverse("patients:detail", args=[duplicate.pk])
    assert duplicate.weights.count() == 1


def test_the_merge_page_shows_a_refusal_on_the_field(signed_in, staff, patient):
    client = signed_in(staff["clinic_admin"])
    response = client.post(reverse("patients:merge", args=[patient.pk]), {"survivor_id": patient.pk, "reason": "x"})
    assert response.status_code == 200
    assert "cannot be merged into itself" in response.content.decode()


def test_the_api_merges_and_unmerges(signed_in, staff, patient, duplicate):
    client = signed_in(staff["clinic_admin"])
    body = {"survivor_id": patient.pk, "reason": "Same person"}
    response = client.post(f"{BASE}/{duplicate.pk}/merge", body, content_type="application/json")
    assert response.status_code == 200 and response.json()["id"] == patient.pk
    response = client.post(f"{BASE}/{duplicate.pk}/merge", body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "duplicate_id"
    response = client.post(f"{BASE}/{duplicate.pk}/unmerge", {"reason": "No"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["id"] == duplicate.pk
    assert (
        signed_in(staff["front_desk"])
        .post(f"{BASE}/{duplicate.pk}/merge", body, content_type="application/json")
        .status_code
        == 403
    )
