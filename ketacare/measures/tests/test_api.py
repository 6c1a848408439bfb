"""/api/v1/measures: scoring, responses, assignments, alerts — same rules as the pages."""

import pytest

from ketacare.measures import actions
from ketacare.measures.models import Alert, QuestionnaireAssignment
from ketacare.measures.tests.conftest import PHQ9_ITEM9, as_answers

pytestmark = pytest.mark.django_db
BASE = "/api/v1/measures"


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_score_uses_the_domain_scorer(signed_in, staff):
    response = post(signed_in(staff["therapist"]), f"{BASE}/score", {"instrument": "phq9", "answers": PHQ9_ITEM9})
    assert response.status_code == 200
    assert response.json() == {
        "instrument": "phq9",
        "total": 10,
        "severity": "moderate",
        "subscales": {},
        "flags": ["suicidal_ideation"],
    }


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"instrument": "phq9", "answers": [1] * 8 + [4]}, "answers"),
        ({"instrument": "nope", "answers": [1]}, "instrument"),
    ],
)
def test_score_refuses_bad_input_naming_the_field(signed_in, staff, payload, field):
    response = post(signed_in(staff["nurse"]), f"{BASE}/score", payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]


def test_score_needs_authentication(client):
    assert post(client, f"{BASE}/score", {"instrument": "phq9", "answers": [0] * 9}).status_code == 401


def test_responses_of_a_patient(signed_in, assign, patient, staff, other_staff):
    actions.do_submit_response(
        patient.user, assign(patient).assignment, channel="portal", answers=as_answers(PHQ9_ITEM9)
    )
    response = signed_in(staff["front_desk"]).get(f"{BASE}/patients/{patient.pk}/responses")
    assert response.status_code == 200
    [item] = response.json()
    assert (item["total"], item["flags"], item["answers"]["9"]) == (10, ["suicidal_ideation"], 2)


def test_another_organisation_gets_404(signed_in, patient, other_staff):
    client = signed_in(other_staff["prescriber"])
    assert client.get(f"{BASE}/patients/{patient.pk}/responses").status_code == 404
    created = post(
        client, f"{BASE}/patients/{patient.pk}/assignments", {"instrument": "phq9", "due_at": "2030-01-01T09:00:00Z"}
    )
    assert created.status_code == 404
    assert not QuestionnaireAssignment.objects.exists()


def test_create_assignment(signed_in, patient, staff):
    response = post(
        signed_in(staff["nurse"]),
        f"{BASE}/patients/{patient.pk}/assignments",
        {"instrument": "gad7", "due_at": "2030-01-01T09:00:00Z", "reason": "interval"},
    )
    assert response.status_code == 201
    assert response.json()["instrument"] == "gad7"
    assert "link_token_sha256" not in response.json()


def test_create_assignment_refuses_a_clinician_scale(signed_in, patient, staff):
    response = post(
        signed_in(staff["nurse"]),
        f"{BASE}/patients/{patient.pk}/assignments",
        {"instrument": "madrs", "due_at": "2030-01-01T09:00:00Z"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "instrument"]
    assert not QuestionnaireAssignment.objects.exists()


def test_alerts_list_and_acknowledge(signed_in, assign, patient, staff, other_staff):
    actions.do_submit_response(
        patient.user, assign(patient).assignment, channel="portal", answers=as_answers(PHQ9_ITEM9)
    )
    alert = Alert.objects.get()
    assert signed_in(other_staff["nurse"]).get(f"{BASE}/alerts").json() == []
    client = signed_in(staff["nurse"])
    assert [item["id"] for item in client.get(f"{BASE}/alerts").json()] == [alert.pk]
    refused = post(client, f"{BASE}/alerts/{alert.pk}/acknowledge", {"note": " "})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "note"]
    done = post(client, f"{BASE}/alerts/{alert.pk}/acknowledge", {"note": "Called the patient"})
    assert done.status_code == 200 and done.json()["status"] == "acknowledged"


def test_front_desk_cannot_see_alerts(signed_in, staff):
    assert signed_in(staff["front_desk"]).get(f"{BASE}/alerts").status_code == 403
