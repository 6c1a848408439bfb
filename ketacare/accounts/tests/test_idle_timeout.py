"""Automatic logoff: idle staff sessions end; patient sessions do not."""

import time

from django.conf import settings

from ketacare.audit.models import AuditAction, AuditEntry

LAST_SEEN_KEY = "last_seen_at"  # what accounts/middleware.py keeps in the session


def idle_for(client, seconds: float) -> None:
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - seconds
    session.save()


def timeout_seconds() -> float:
    return settings.STAFF_IDLE_TIMEOUT.total_seconds()


def test_an_idle_staff_session_is_logged_out_on_the_next_request(client, staff, signed_in):
    nurse = staff["nurse"]
    signed_in(nurse)
    assert client.get("/patients/").status_code == 200
    idle_for(client, timeout_seconds() + 5)
    response = client.get("/patients/?q=smith")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?")
    assert "next=%2Fpatients%2F%3Fq%3Dsmith" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT, actor=nurse).count() == 1
    assert client.get("/patients/").status_code == 302


def test_the_login_page_says_why(client, staff, signed_in):
    signed_in(staff["nurse"])
    client.get("/patients/")
    idle_for(client, timeout_seconds() + 5)
    response = client.get("/patients/", follow=True)
    assert "signed out after a period of inactivity" in response.content.decode()


def test_a_staff_session_used_within_the_timeout_stays(client, staff, signed_in):
    signed_in(staff["nurse"])
    client.get("/patients/")
    idle_for(client, timeout_seconds() - 30)
    assert client.get("/patients/").status_code == 200
    assert "_auth_user_id" in client.session


def test_each_request_restarts_the_idle_clock(client, staff, signed_in):
    signed_in(staff["nurse"])
    client.get("/patients/")
    idle_for(client, timeout_seconds() - 30)
    client.get("/patients/")
    assert time.time() - client.session[LAST_SEEN_KEY] < 5


def test_an_idle_api_session_gets_401(client, staff, signed_in):
    signed_in(staff["clinic_admin"])
    assert client.get("/api/v1/audit/entries").status_code == 200
    idle_for(client, timeout_seconds() + 5)
    assert client.get("/api/v1/audit/entries").status_code == 401
    assert "_auth_user_id" not in client.session


def test_a_patient_session_is_not_ended_by_the_staff_timeout(client, patient, signed_in):
    signed_in(patient.user)
    idle_for(client, timeout_seconds() + 5)
    assert client.get("/portal/").status_code == 200
    assert "_auth_user_id" in client.session


def poll(client, url="/patients/"):
    """What the session chart's 30-second refresh sends (htmx, marked as a poll)."""
    return client.get(
        url, HTTP_HX_REQUEST="true", HTTP_X_KETACARE_POLL="1", HTTP_HX_CURRENT_URL="http://testserver/sessions/7/"
    )


def test_polls_do_not_keep_an_idle_session_alive(client, staff, signed_in):
    signed_in(staff["nurse"])
    client.get("/patients/")
    answers = []
    # The chart polls every 30 s while the nurse does nothing: time passes, the polls go on.
    for _ in range(int(timeout_seconds() // 30) + 2):
        idle_for(client, time.time() - client.session[LAST_SEEN_KEY] + 30)
        answers.append(poll(client))
        if "_auth_user_id" not in client.session:
            break
    assert [answer.status_code for answer in answers[:-1]] == [200] * (len(answers) - 1)
    assert "_auth_user_id" not in client.session
    # The whole page goes to the sign-in page (not the login form swapped into the prompts).
    assert answers[-1].status_code == 204
    assert answers[-1]["HX-Redirect"] == "/accounts/login/?next=%2Fsessions%2F7%2F&idle=1"


def test_a_poll_does_not_restart_the_idle_clock_but_a_click_does(client, staff, signed_in):
    signed_in(staff["nurse"])
    client.get("/patients/")
    idle_for(client, timeout_seconds() - 30)
    assert poll(client).status_code == 200
    assert time.time() - client.session[LAST_SEEN_KEY] > timeout_seconds() - 40
    client.get("/patients/")
    assert time.time() - client.session[LAST_SEEN_KEY] < 5
