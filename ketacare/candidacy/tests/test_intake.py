"""The stored intake: saved through actions, audited, and evaluated exactly as the domain evaluates its JSON."""

import copy
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ketacare.audit.models import AuditAction
from ketacare.candidacy import actions
from ketacare.candidacy.domain.evaluate import evaluate_case
from ketacare.candidacy.domain.parse import parse_case
from ketacare.candidacy.domain.policy import CandidacyPolicy
from ketacare.candidacy.domain.report import result_as_dict
from ketacare.candidacy.models import CandidacyPolicySetting, Intake, IntakeStatus
from ketacare.candidacy.selectors import access_candidacy_by_patient_id

pytestmark = pytest.mark.django_db

JSON_CASE = {
    "patient": {
        "date_of_birth": "1980-01-02",
        "sex": "unknown",
        "pregnant": False,
        "breastfeeding": False,
        "weight_kg": 72.5,
    },
    "episode_start_date": "2026-01-01",
    "trials": [
        {
            "drug": "sertraline",
            "daily_dose_mg": 100,
            "start_date": "2026-01-05",
            "stop_date": "2026-03-02",
            "adherence": "good",
            "improvement_percent": 10,
            "stop_reason": "ineffective",
        },
        {
            "drug": "bupropion XL",
            "daily_dose_mg": 300,
            "start_date": "2026-03-10",
            "stop_date": None,
            "adherence": "good",
            "improvement_percent": 20,
        },
    ],
    "medical_history": {
        "aneurysmal_vascular_disease": False,
        "arteriovenous_malformation": False,
        "intracerebral_haemorrhage": False,
        "hypertension": "controlled",
        "hypertensive_encephalopathy": False,
        "cardiovascular_disease": False,
        "psychosis": "none",
        "substance_use_disorders": [{"substance": "alcohol", "status": "past"}],
        "liver_disease": "none",
        "interstitial_cystitis": False,
        "ketamine_hypersensitivity": False,
    },
    "current_medications": [{"name": "Lorazepam 1 mg", "class": "benzodiazepine"}],
    "psychotherapy": [{"kind": "CBT", "sessions": 12}],
    "tms": {"sessions": 30, "response": "partial"},
    "baseline_vitals": {"systolic_mmhg": 148, "diastolic_mmhg": 92, "heart_rate_bpm": 80, "spo2_percent": 98},
}


def test_a_stored_intake_evaluates_like_the_same_json_case(staff, patient, intake):
    candidacy = access_candidacy_by_patient_id(staff["nurse"], patient.pk)
    expected = result_as_dict(evaluate_case(parse_case(copy.deepcopy(JSON_CASE), patient.today())))
    assert candidacy.problem == ""
    assert candidacy.result_dict == expected
    assert expected["trd"]["met"] is True
    assert expected["routes"]["ketamine_iv"]["status"] == "eligible_with_cautions"


def test_the_organisations_policy_is_the_one_evaluated(staff, patient, intake, org):
    CandidacyPolicySetting.objects.create(
        organisation=org, trd_minimum_failed_trials=3, esketamine_trial_maximum_failed_trials=5
    )
    candidacy = access_candidacy_by_patient_id(staff["nurse"], patient.pk)
    expected = result_as_dict(
        evaluate_case(
            parse_case(copy.deepcopy(JSON_CASE), patient.today()), CandidacyPolicy(trd_minimum_failed_trials=3)
        )
    )
    assert candidacy.result_dict == expected
    assert candidacy.result_dict["routes"]["esketamine_intranasal"]["status"] == "not_eligible"


def test_saving_writes_one_audit_entry_per_change(staff, patient, intake, audit_entries):
    entries = audit_entries(patient=patient, object_type="candidacy.intake")
    assert [e.action for e in entries] == [AuditAction.CREATE]
    actions.do_save_intake(staff["prescriber"], patient.pk, psychosis="past")
    entries = audit_entries(patient=patient, object_type="candidacy.intake")
    assert [e.action for e in entries] == [AuditAction.CREATE, AuditAction.UPDATE]
    assert entries[-1].detail["fields"] == ["psychosis"]
    assert len(audit_entries(patient=patient, object_type="candidacy.antidepressanttrial")) == 2
    assert len(audit_entries(patient=patient, object_type="patients.weightmeasurement")) == 1


def test_an_unanswered_flag_is_named_and_not_read_as_no(staff, patient, intake):
    actions.do_save_intake(staff["nurse"], patient.pk, ketamine_hypersensitivity=None)
    candidacy = access_candidacy_by_patient_id(staff["nurse"], patient.pk)
    assert candidacy.result is None
    assert "medical_history.ketamine_hypersensitivity" in candidacy.problem


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"diastolic_mmhg": 160}, "diastolic_mmhg", "below the systolic"),
        ({"systolic_mmhg": 20}, "systolic_mmhg", "between 50 and 300"),
        ({"hypertension": "severe"}, "hypertension", "not a valid choice"),
        (
            {"substance_use_disorders": [{"substance": "alcohol", "status": "sometimes"}]},
            "substance_use_disorders",
            "status",
        ),
        ({"episode_start_date": dt.date(2099, 1, 1)}, "episode_start_date", "in the future"),
        ({"prior_ketamine": [{"drug": "ketamine", "route": "nasal", "response": "none"}]}, "prior_ketamine", "route"),
    ],
)
def test_bad_input_is_named_and_changes_nothing(staff, patient, intake, audit_entries, fields, field, message):
    before = Intake.objects.get(pk=intake.pk)
    count = len(audit_entries(patient=patient))
    with pytest.raises(ValidationError) as caught:
        actions.do_save_intake(staff["nurse"], patient.pk, **fields)
    assert field in caught.value.message_dict
    assert message in " ".join(caught.value.message_dict[field])
    after = Intake.objects.get(pk=intake.pk)
    assert (
        after.diastolic_mmhg,
        after.systolic_mmhg,
        after.hypertension,
        after.episode_start_date,
        after.substance_use_disorders,
        after.prior_ketamine,
    ) == (
        before.diastolic_mmhg,
        before.systolic_mmhg,
        before.hypertension,
        before.episode_start_date,
        before.substance_use_disorders,
        before.prior_ketamine,
    )
    assert len(audit_entries(patient=patient)) == count


def test_a_bad_trial_in_a_list_names_its_index_and_keeps_the_old_trials(staff, patient, intake):
    bad = {
        "drug": "sertraline",
        "daily_dose_mg": 100,
        "start_date": dt.date(2026, 3, 1),
        "stop_date": dt.date(2026, 2, 1),
        "adherence": "good",
        "improvement_percent": 10,
    }
    with pytest.raises(ValidationError) as caught:
        actions.do_save_intake(staff["nurse"], patient.pk, trials=[bad])
    assert "trials[0].stop_date" in caught.value.message_dict
    assert intake.trials.count() == 2


def test_trials_are_added_and_removed_with_audit(staff, patient, intake, audit_entries):
    trial = actions.do_add_trial(
        staff["nurse"],
        patient.pk,
        drug="escitalopram",
        daily_dose_mg=20,
        start_date=dt.date(2026, 6, 1),
        stop_date=None,
        adherence="partial",
        improvement_percent=30,
    )
    assert intake.trials.count() == 3
    actions.do_remove_trial(staff["nurse"], patient.pk, trial.pk)
    assert intake.trials.count() == 2
    entries = audit_entries(patient=patient, object_type="candidacy.antidepressanttrial", object_id=str(trial.pk))
    assert [e.action for e in entries] == [AuditAction.CREATE, AuditAction.STATUS_CHANGE]


@pytest.mark.parametrize("role", ["front_desk", "therapist", "clinic_admin"])
def test_only_nurses_and_prescribers_enter_the_intake(staff, patient, role):
    with pytest.raises(PermissionDenied):
        actions.do_save_intake(staff[role], patient.pk, psychosis="none")
    assert not Intake.objects.exists()


def test_another_organisations_patient_is_not_found(other_staff, patient, intake):
    with pytest.raises(Http404):
        actions.do_save_intake(other_staff["nurse"], patient.pk, psychosis="none")
    with pytest.raises(Http404):
        access_candidacy_by_patient_id(other_staff["nurse"], patient.pk)


def test_staff_review_confirms_a_patient_entered_intake(staff, patient, audit_entries):
    actions.do_save_own_intake(patient.user, psychosis="none")
    intake = Intake.objects.get(patient=patient)
    assert intake.status == IntakeStatus.PATIENT_ENTERED
    actions.do_confirm_intake(staff["nurse"], patient.pk)
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.CONFIRMED
    assert intake.reviewed_by == staff["nurse"]
    assert audit_entries(patient=patient, object_type="candidacy.intake")[-1].action == AuditAction.STATUS_CHANGE
