"""Kiosk mode (issue 14.6): the tablet handed to the patient shows only the questionnaire; the staff
session is suspended until the staff member enters their password again."""

import re

import pytest
from django.conf import settings

from ketacare.audit.models import AuditEntry
from ketacare.measures.kiosk import SESSION_KEY
from ketacare.measures.models import AssignmentStatus, QuestionnaireResponse
from ketacare.measures.tests.conftest import PHQ9_SAFE

pytestmark = pytest.mark.django_db
KIOSK = "/measures/kiosk/"


def form(values) -> dict[str, str]:
    return {f"item_{number}": str(value) for number, value in enumerate(values, start=1)}


@pytest.fixture
def on_kiosk(signed_in, assign, patient, staff):
    """The nurse hands the tablet over for a PHQ-9, returning to the patient's questionnaires page."""
    assignment = assign(patient).assignment
    client = signed_in(staff["nurse"])
    back = f"/measures/patients/{patient.pk}/"
    started = client.post(f"/measures/tablet/{assignment.pk}/kiosk/", {"next": back})
    assert started.status_code == 302 and started["Location"] == KIOSK
    return client, assignment, back


def test_the_kiosk_shows_only_the_questionnaire(on_kiosk, staff):
    client, assignment, _ = on_kiosk
    html = client.get(KIOSK).content.decode()
    assert "Little interest or pleasure in doing things" in html
    assert "<nav" not in html and not re.search(r"<a\s", html)  # no navigation, no link anywhere
    assert staff["nurse"].get_username() not in html and "Patients" not in html
    assert AuditEntry.objects.filter(actor=staff["nurse"], detail__event="kiosk_started").exists()


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/sessions/"), ("get", "/patients/"), ("get", "/measures/alerts/"), ("post", "/accounts/logout/")],
)
def test_every_staff_url_returns_to_the_kiosk(on_kiosk, patient, method, url):
    client, assignment, _ = on_kiosk
    response = getattr(client, method)(url)
    assert response.status_code == 302 and response["Location"] == KIOSK
    assert client.get(f"/api/v1/patients/{patient.pk}").status_code == 302
    htmx = client.post(f"/measures/assignments/{assignment.pk}/cancel/", HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == KIOSK
    assert client.session[SESSION_KEY]["assignment"] == assignment.pk  # still suspended, still signed in
    assert AssignmentStatus.PENDING == type(assignment).objects.get(pk=assignment.pk).status


def test_patient_submits_then_staff_re_enter_with_their_password(on_kiosk, staff, password):
    client, assignment, back = on_kiosk
    done = client.post(f"{KIOSK}submit/", form(PHQ9_SAFE))
    assert done.status_code == 200 and b"hand the tablet back" in done.content
    response = QuestionnaireResponse.objects.get()
    assert (response.channel, response.entered_by, response.assignment_id) == ("tablet", staff["nurse"], assignment.pk)
    assert client.get("/patients/")["Location"] == KIOSK  # submitting does not end kiosk mode
    wrong = client.post(f"{KIOSK}exit/", {"password": "not the password"})
    assert wrong.status_code == 422 and b"not right" in wrong.content
    assert client.get("/patients/")["Location"] == KIOSK
    back_to_work = client.post(f"{KIOSK}exit/", {"password": password})
    assert back_to_work.status_code == 302 and back_to_work["Location"] == back
    assert client.get("/patients/").status_code == 200 and SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(actor=staff["nurse"], detail__event="kiosk_left").exists()


def test_guessing_the_password_locks_out_and_ends_the_staff_session(on_kiosk, staff):
    client, _, _ = on_kiosk
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(f"{KIOSK}exit/", {"password": "guess"})
    assert "_auth_user_id" not in client.session and SESSION_KEY not in client.session
    assert client.get("/patients/")["Location"].startswith("/accounts/login/")


def test_return_goes_nowhere_outside_the_site(signed_in, assign, patient, staff, password):
    assignment = assign(patient).assignment
    client = signed_in(staff["nurse"])
    client.post(f"/measures/tablet/{assignment.pk}/kiosk/", {"next": "https://evil.example/"})
    assert client.post(f"{KIOSK}exit/", {"password": password})["Location"] == f"/measures/patients/{patient.pk}/"


def test_the_tablet_page_hands_over_instead_of_showing_the_questions(signed_in, assign, patient, staff):
    assignment = assign(patient).assignment
    html = signed_in(staff["nurse"]).get(f"/measures/tablet/{assignment.pk}/").content.decode()
    assert "Hand the tablet to the patient (kiosk mode)" in html
    assert "Little interest or pleasure" not in html


def test_kiosk_pages_without_kiosk_mode(signed_in, staff):
    client = signed_in(staff["nurse"])
    assert b"Kiosk mode is off" in client.get(KIOSK).content
    assert client.post(f"{KIOSK}submit/")["Location"] == KIOSK
    assert client.post(f"{KIOSK}exit/", {"password": "x"})["Location"] == "/"
