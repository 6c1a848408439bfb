"""The candidacy pages: decision page, staff intake, portal pre-fill, clinic policy."""

import pytest
from django.core.exceptions import ValidationError

from ketacare.audit.models import AuditAction
from ketacare.candidacy import actions
from ketacare.candidacy.models import CandidacyDecision, CandidacyPolicySetting, Intake, IntakeStatus

pytestmark = pytest.mark.django_db


def url(patient, suffix=""):
    return f"/candidacy/patients/{patient.pk}/{suffix}"


def test_the_decision_page_shows_trials_findings_and_routes(signed_in, staff, patient, intake, audit_entries):
    response = signed_in(staff["therapist"]).get(url(patient))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Treatment resistance: met" in page
    assert "bupropion XL" in page
    assert "medication.benzodiazepine" in page
    assert 'IV racemic ketamine (off-label): <span class="badge">ELIGIBLE WITH CAUTIONS' in page
    assert "Record decision" not in page  # therapists see, prescribers decide
    assert audit_entries(patient=patient, action=AuditAction.VIEW)


def test_the_page_says_why_an_incomplete_intake_cannot_be_evaluated(signed_in, staff, patient):
    actions.do_save_intake(staff["nurse"], patient.pk, psychosis="none")
    page = signed_in(staff["nurse"]).get(url(patient)).content.decode()
    assert "Cannot be evaluated yet" in page


def test_another_organisation_gets_404(signed_in, other_staff, patient, intake):
    assert signed_in(other_staff["prescriber"]).get(url(patient)).status_code == 404


def test_patients_cannot_open_the_staff_page(signed_in, patient, intake):
    assert signed_in(patient.user).get(url(patient)).status_code == 403


def test_a_prescriber_overrides_with_a_reason_on_the_page(signed_in, staff, patient, intake):
    actions.do_save_intake(staff["nurse"], patient.pk, psychosis="current")
    client = signed_in(staff["prescriber"])
    response = client.post(url(patient, "decisions/"), {"route": "ketamine_iv", "decision": "approve", "reason": ""})
    assert response.status_code == 422
    assert "is an override: give the reason" in response.content.decode()
    assert not CandidacyDecision.objects.exists()
    response = client.post(
        url(patient, "decisions/"), {"route": "ketamine_iv", "decision": "approve", "reason": "second opinion"}
    )
    assert response.status_code == 302
    assert CandidacyDecision.objects.get().override is True


def test_a_nurse_cannot_post_a_decision(signed_in, staff, patient, intake):
    response = signed_in(staff["nurse"]).post(
        url(patient, "decisions/"), {"route": "ketamine_iv", "decision": "decline"}
    )
    assert response.status_code == 403
    assert not CandidacyDecision.objects.exists()


def test_a_nurse_saves_the_intake_form(signed_in, staff, patient):
    response = signed_in(staff["nurse"]).post(
        url(patient, "intake/"),
        {
            "episode_start_date": "2026-01-01",
            "hypertension": "none",
            "psychosis": "past",
            "substance_use_disorders": "alcohol, past\ncannabis, current",
            "ect": "8, partial",
            "systolic_mmhg": "130",
            "diastolic_mmhg": "80",
            "weight_kg": "70",
        },
    )
    assert response.status_code == 302
    intake = Intake.objects.get(patient=patient)
    assert intake.substance_use_disorders == [
        {"substance": "alcohol", "status": "past"},
        {"substance": "cannabis", "status": "current"},
    ]
    assert intake.ect == {"sessions": 8, "response": "partial"}
    assert intake.status == IntakeStatus.CONFIRMED
    assert patient.weights.get().weight_kg == 70


def test_a_bad_intake_form_names_the_field_and_saves_nothing(signed_in, staff, patient):
    response = signed_in(staff["nurse"]).post(
        url(patient, "intake/"),
        {
            "systolic_mmhg": "120",
            "diastolic_mmhg": "130",
            "substance_use_disorders": "alcohol",
        },
    )
    assert response.status_code == 422
    assert "Line 1" in response.content.decode()
    response = signed_in(staff["nurse"]).post(
        url(patient, "intake/"), {"systolic_mmhg": "120", "diastolic_mmhg": "130"}
    )
    assert response.status_code == 422
    assert "below the systolic" in response.content.decode()
    assert not Intake.objects.exists()
    assert not patient.weights.exists()


def test_a_trial_is_added_on_the_intake_page(signed_in, staff, patient, intake):
    response = signed_in(staff["nurse"]).post(
        url(patient, "trials/"),
        {
            "drug": "escitalopram",
            "daily_dose_mg": "10",
            "start_date": "2026-05-01",
            "adherence": "good",
            "percent_improvement": "5",
        },
    )
    assert response.status_code == 302
    assert intake.trials.filter(drug="escitalopram").exists()


def test_the_patient_prefills_their_own_intake_as_unreviewed(signed_in, patient, audit_entries):
    client = signed_in(patient.user)
    page = client.get("/candidacy/portal/intake/").content.decode()
    assert "Are you pregnant?" in page
    assert "Not sure" in page
    assert "Systolic" not in page
    response = client.post(
        "/candidacy/portal/intake/", {"pregnant": "false", "psychosis": "none", "episode_start_date": "2026-02-01"}
    )
    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.patient == patient
    assert intake.status == IntakeStatus.PATIENT_ENTERED
    assert intake.reviewed_by is None
    assert audit_entries(patient=patient, action=AuditAction.CREATE)[-1].actor == patient.user


def test_a_patient_edit_after_review_needs_review_again(signed_in, staff, patient, intake):
    signed_in(patient.user).post("/candidacy/portal/intake/", {"psychosis": "past"})
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.PATIENT_ENTERED
    assert intake.psychosis == "past"


def test_the_portal_cannot_set_vitals(signed_in, patient, intake):
    signed_in(patient.user).post("/candidacy/portal/intake/", {"psychosis": "none", "systolic_mmhg": "200"})
    intake.refresh_from_db()
    assert intake.systolic_mmhg == 148


def test_a_bad_portal_answer_is_named_and_saves_nothing(signed_in, patient):
    response = signed_in(patient.user).post("/candidacy/portal/intake/", {"episode_start_date": "2099-01-01"})
    assert response.status_code == 422
    assert "in the future" in response.content.decode()
    assert not Intake.objects.exists()


def test_staff_cannot_use_the_portal_page(signed_in, staff):
    assert signed_in(staff["nurse"]).get("/candidacy/portal/intake/").status_code == 403


def test_a_clinic_admin_edits_the_policy(signed_in, staff, org, audit_entries):
    client = signed_in(staff["clinic_admin"])
    assert client.get("/candidacy/policy/").status_code == 200
    data = {name: getattr(CandidacyPolicySetting(), name) for name in CandidacyPolicySetting.PARAMETERS}
    data = {name: ("on" if value is True else value) for name, value in data.items() if value is not False}
    data["minimum_trial_weeks"] = "4"
    response = client.post("/candidacy/policy/", data)
    assert response.status_code == 302
    assert CandidacyPolicySetting.objects.get(organisation=org).to_policy().minimum_trial_weeks == 4
    assert audit_entries(object_type="candidacy.candidacypolicysetting")[-1].detail["fields"] == ["minimum_trial_weeks"]
    data["racemic_bp_caution_systolic_mmhg"] = "190"
    response = client.post("/candidacy/policy/", data)
    assert response.status_code == 422
    assert "must not be above bp_hold_systolic_mmhg" in response.content.decode()
    assert CandidacyPolicySetting.objects.get(organisation=org).racemic_bp_caution_systolic_mmhg == 140


def test_a_prescriber_cannot_edit_the_policy(signed_in, staff):
    assert signed_in(staff["prescriber"]).get("/candidacy/policy/").status_code == 403


def test_the_portal_saves_only_to_the_signed_in_patients_record(signed_in, staff, patient, second_patient):
    other = actions.do_save_intake(staff["nurse"], second_patient.pk, psychosis="current")
    signed_in(patient.user).post("/candidacy/portal/intake/", {"psychosis": "none"})
    other.refresh_from_db()
    assert other.psychosis == "current"
    assert other.status == IntakeStatus.CONFIRMED
    assert Intake.objects.get(patient=patient).psychosis == "none"


def test_the_patients_action_refuses_clinic_measured_fields(patient):
    with pytest.raises(ValidationError) as caught:
        actions.do_save_own_intake(patient.user, systolic_mmhg=120)
    assert "systolic_mmhg" in caught.value.message_dict
    assert not Intake.objects.exists()
