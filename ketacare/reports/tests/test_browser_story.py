"""Measurement-based care in a real browser (Playwright driving Debian's chromium).

A patient opens an emailed PHQ-9 link on a phone and answers item 9 above 0; crisis resources
appear at once. The prescriber signs in with two-factor, finds the safety alert, acknowledges it
with a note, and sees the new score on the patient's trend chart.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from ketacare.measures import actions
from ketacare.measures.models import Alert, AlertStatus
from ketacare.outbox.actions import dispatch_outbox
from ketacare.reports.tests.outcome_factories import make_plan, make_template, score

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The app's quick runs use -p no:playwright; then there is no browser to drive.
    pytest.mark.skipif('not config.pluginmanager.has_plugin("playwright")', reason="Playwright is disabled"),
]


def test_item_9_to_crisis_resources_to_acknowledged_alert_to_trend(
    page: Page, live_server, org, staff, patient, smtp_server, password
):
    base = live_server.url
    page.set_default_timeout(15000)
    today = timezone.localdate()
    make_plan(patient, staff["prescriber"], make_template(), today - dt.timedelta(days=14))
    score(patient, 21, today - dt.timedelta(days=15))  # the baseline
    link = actions.do_assign_questionnaire(
        staff["nurse"],
        patient,
        "phq9",
        timezone.now() + dt.timedelta(days=1),
        "interval",
        link_base_url=f"{base}/",
    )
    dispatch_outbox()  # the link was queued with the assignment; the dispatcher sends it
    assert [message["To"] for message in smtp_server.messages] == [patient.email]

    # 1. On a phone, the patient answers every item, item 9 above 0, and submits.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/measures/r/{link.link_token}/")
    expect(page.locator("h1")).to_contain_text("PHQ-9")
    for item in range(1, 9):
        page.check(f"input[name=item_{item}][value='1']")
    page.check("input[name=item_9][value='2']")
    # The saves race each other (one per tap); the submit posts every answer anyway.
    expect(page.locator("#progress")).to_contain_text("saved")
    page.get_by_role("button", name="Submit").click()

    # 2. Crisis resources appear at once.
    crisis = page.get_by_role("alert")
    expect(crisis).to_contain_text("988")
    expect(crisis).to_contain_text("911")
    alert = Alert.objects.get(patient=patient)
    assert alert.kind == "suicidal_ideation" and alert.status == AlertStatus.OPEN

    # 3. The prescriber signs in with two-factor and sees the alert.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", staff["prescriber"].username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/verify/"))
    device = TOTPDevice.objects.get(user=staff["prescriber"])
    page.fill("input[name=token]", f"{TOTP(device.bin_key).token():06d}")
    page.click("button[type=submit]")
    page.goto(f"{base}/measures/alerts/")
    card = page.locator(f"#alert-{alert.pk}")
    expect(card).to_contain_text(patient.full_name)
    expect(card).to_contain_text("total 10")

    # 4. They acknowledge it with a note.
    card.locator("textarea[name=note]").fill("Called the patient; safety plan reviewed.")
    card.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("body")).to_contain_text("Alert acknowledged.")
    expect(page.locator(f"#alert-{alert.pk}")).to_have_count(0)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by == staff["prescriber"]
    assert alert.acknowledgement_note == "Called the patient; safety plan reviewed."

    # 5. The trend chart shows the new score after the baseline, with its change.
    page.goto(f"{base}/measures/patients/{patient.pk}/trend/phq9/")
    chart = page.locator("#trend-phq9 svg")
    expect(chart.locator("rect.baseline")).to_have_count(1)
    expect(chart.locator("circle.point")).to_have_count(1)
    expect(chart.locator("circle.point title")).to_have_text(f"10 on {today.isoformat()}")
    expect(page.locator("#trend-data-phq9 tbody tr").last).to_contain_text("-11")
