"""Issue 14.6 story in a real browser: the tablet questionnaire in kiosk mode.

At check-in the nurse sees today's PHQ-9 is not yet submitted and hands the tablet to the patient
from the session chart. The kiosk shows the questionnaire and nothing else; a staff URL typed in
comes back to it. The patient answers and submits; the nurse enters their password again and is
back on the chart, where today's questionnaires now show as submitted.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from ketacare.measures.actions import do_assign_questionnaire
from ketacare.measures.models import AssignmentStatus, QuestionnaireResponse
from ketacare.treatments import actions

pytestmark = pytest.mark.django_db(transaction=True)


def test_tablet_questionnaire_in_kiosk_mode(
    page: Page, live_server, staff, patient, iv_world, password, browser_sign_in
):
    page.set_default_timeout(15000)
    base = live_server.url
    nurse = staff["nurse"]
    assignment = do_assign_questionnaire(nurse, patient, "phq9", timezone.now() + dt.timedelta(minutes=10)).assignment
    session = actions.do_start_session(nurse, iv_world["appointment"].pk)
    chart = f"{base}/sessions/{session.pk}/"

    browser_sign_in(page, base, nurse)
    page.goto(chart)
    expect(page.locator("#questionnaires-today")).to_contain_text("Not yet submitted today: PHQ-9")
    page.get_by_role("button", name="PHQ-9 on the tablet (kiosk)").click()

    # The kiosk: the questionnaire only; no navigation, no link, no sign-out.
    expect(page).to_have_url(f"{base}/measures/kiosk/")
    expect(page.get_by_role("heading", name="PHQ-9")).to_be_visible()
    expect(page.locator("nav")).to_have_count(0)
    expect(page.locator("a")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    # A staff URL typed in comes back to the kiosk.
    page.goto(f"{base}/patients/")
    expect(page).to_have_url(f"{base}/measures/kiosk/")
    page.goto(chart)
    expect(page).to_have_url(f"{base}/measures/kiosk/")

    # The patient answers every item and submits.
    for number in range(1, 10):
        page.locator(f"#item-{number} label.choice").first.click()
        expect(page.locator("#progress")).to_contain_text(f"{number} of 9 answered")  # each answer saved
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#kiosk-done")).to_contain_text("hand the tablet back")
    assert QuestionnaireResponse.objects.get(assignment=assignment).channel == "tablet"
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.COMPLETED

    # Staff re-entry: a wrong password keeps the kiosk; the nurse's own password returns to the chart.
    page.get_by_role("button", name="Staff: return to the chart").click()
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Return to the chart").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    page.get_by_label("Your password").fill(password)
    page.get_by_role("button", name="Return to the chart").click()
    expect(page).to_have_url(re.compile(rf"/sessions/{session.pk}/$"))
    expect(page.locator("nav")).to_be_visible()
    expect(page.locator("#questionnaires-today")).to_contain_text("Submitted today: PHQ-9")
