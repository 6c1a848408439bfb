"""/api/v1/candidacy: intake and evaluation, intake replacement, decisions; explicit error shapes."""

import copy
import json

import pytest

from ketacare.candidacy.models import CandidacyDecision, Intake

pytestmark = pytest.mark.django_db
BASE = "/api/v1/candidacy/patients"


@pytest.fixture
def body(intake_answers):
    """body() -> a complete intake as the API's JSON body."""
    answers, trials = intake_answers

    def make() -> dict:
        data = {k: (str(v) if hasattr(v, "isoformat") else v) for k, v in copy.deepcopy(answers).items()}
        data["spo2_percent"] = 98
        data["trials"] = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in t.items()} for t in trials]
        return data

    return make


def put(client, patient, data):
    return client.put(f"{BASE}/{patient.pk}/intake", json.dumps(data), content_type="application/json")


def post(client, patient, data):
    return client.post(f"{BASE}/{patient.pk}/decisions", json.dumps(data), content_type="application/json")


def test_get_returns_intake_and_evaluation(signed_in, staff, patient, intake):
    response = signed_in(staff["front_desk"]).get(f"{BASE}/{patient.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["intake"]["status"] == "confirmed"
    assert len(data["intake"]["trials"]) == 2
    assert data["current_medications"] == [{"name": "Lorazepam 1 mg", "drug_class": "benzodiazepine"}]
    assert data["evaluation"]["trd"]["met"] is True
    assert data["evaluation"]["routes"]["ketamine_iv"]["status"] == "eligible_with_cautions"


def test_get_without_an_intake_says_why_there_is_no_evaluation(signed_in, staff, patient):
    data = signed_in(staff["nurse"]).get(f"{BASE}/{patient.pk}").json()
    assert data["intake"] is None and data["evaluation"] is None
    assert data["problem"]


def test_put_stores_the_intake_and_its_trials(signed_in, staff, patient, body):
    response = put(signed_in(staff["nurse"]), patient, body())
    assert response.status_code == 200, response.content
    assert response.json()["evaluation"] is None  # no weight on the chart yet
    assert "weight_kg" in response.json()["problem"]
    assert Intake.objects.get().trials.count() == 2


def test_put_with_a_bad_field_is_a_422_naming_it_and_changes_nothing(signed_in, staff, patient, intake, body):
    data = body()
    data["trials"][1]["adherence"] = "sometimes"
    data["psychosis"] = "current"
    response = put(signed_in(staff["nurse"]), patient, data)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "trials[1].adherence"]
    intake.refresh_from_db()
    assert intake.psychosis == "none"
    assert intake.trials.count() == 2


def test_put_with_a_nul_character_is_a_422(signed_in, staff, patient, body):
    data = body()
    data["substance_use_disorders"] = [{"substance": "alco\x00hol", "status": "past"}]
    assert put(signed_in(staff["nurse"]), patient, data).status_code == 422
    assert not Intake.objects.exists()


def test_front_desk_cannot_put(signed_in, staff, patient, body):
    assert put(signed_in(staff["front_desk"]), patient, body()).status_code == 403
    assert not Intake.objects.exists()


def test_other_organisation_gets_404(signed_in, other_staff, patient, intake, body):
    client = signed_in(other_staff["prescriber"])
    assert client.get(f"{BASE}/{patient.pk}").status_code == 404
    assert put(client, patient, body()).status_code == 404
    assert post(client, patient, {"route": "ketamine_iv", "decision": "decline"}).status_code == 404


def test_decision_override_needs_a_reason_and_a_prescriber(signed_in, staff, patient, intake, client):
    Intake.objects.filter(pk=intake.pk).update(psychosis="current")
    decision = {"route": "ketamine_iv", "decision": "approve"}
    assert post(signed_in(staff["nurse"]), patient, {**decision, "reason": "x"}).status_code == 403
    client = signed_in(staff["prescriber"])
    response = post(client, patient, decision)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "reason"]
    assert not CandidacyDecision.objects.exists()
    response = post(client, patient, {**decision, "reason": "consultant agreed"})
    assert response.status_code == 201
    assert response.json()["override"] is True
    assert response.json()["result"] == "not_eligible"


def test_patients_cannot_use_the_staff_api(signed_in, patient, intake):
    assert signed_in(patient.user).get(f"{BASE}/{patient.pk}").status_code == 403
