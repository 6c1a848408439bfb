"""Issue story in a real browser: from candidacy to a dose override in the audit trail.

A prescriber reviews a patient's intake, sees the candidacy findings with their
reasons and sources, approves IV ketamine, creates a plan from the IV template,
sees the computed dose and the PK chart, and overrides a blocked dose with a
reason that the clinic admin then reads in the audit trail.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from ketacare.candidacy import actions as candidacy_actions
from ketacare.candidacy.models import CandidacyDecision
from ketacare.protocols.builtins import seed_protocols
from ketacare.protocols.models import TreatmentPlan

pytestmark = pytest.mark.django_db(transaction=True)


def test_candidacy_to_plan_to_dose_override(
    page: Page, live_server, staff, patient, intake_answers, browser_sign_in, sign_consents_for_route
):
    # A transactional test starts from an empty database: put the built-in protocols back.
    seed_protocols()
    answers, trials = intake_answers
    candidacy_actions.do_save_intake(staff["nurse"], patient.pk, weight_kg=70, trials=trials, **answers)
    base = live_server.url
    page.set_default_timeout(15000)

    browser_sign_in(page, base, staff["prescriber"])
    page.goto(f"{base}/candidacy/patients/{patient.pk}/")
    iv = page.locator("#route-ketamine_iv")
    expect(iv).to_contain_text("source:")
    expect(page.locator("body")).to_contain_text(re.compile("sertraline", re.I))
    iv.locator("select[name=decision]").select_option("approve")
    iv.locator("textarea[name=reason]").fill("Two adequate failed trials; BP controlled.")
    iv.get_by_role("button", name="Record decision").click()
    expect(page.locator("#decisions")).to_contain_text(re.compile("approve", re.I))
    assert CandidacyDecision.objects.filter(patient=patient, route="ketamine_iv", decision="approve").exists()

    # The patient has signed the IV consent (issue 16: consents' own story signs it on the tablet).
    sign_consents_for_route(patient, "iv", staff["nurse"])

    # A plan from the IV template at 0.9 mg/kg: above the 0.75 mg/kg maximum, so blocked.
    page.goto(f"{base}/protocols/patients/{patient.pk}/plans/")
    iv_option = page.locator("select[name=template_id] option", has_text="IV").first.get_attribute("value")
    page.select_option("select[name=template_id]", value=iv_option)
    page.fill("input[name=start_date]", (dt.date.today() + dt.timedelta(days=2)).isoformat())
    page.fill("input[name=dose_mg_per_kg]", "0.9")
    page.get_by_role("button", name="Create plan").click()
    expect(page).to_have_url(re.compile(r"/protocols/plans/\d+/"))
    plan = TreatmentPlan.objects.get(patient=patient)
    expect(page.locator("body")).to_contain_text("63 mg")  # 0.9 mg/kg × 70 kg
    expect(page.locator(".crisis")).to_contain_text("Blocked")
    expect(page.locator("#pk svg")).to_be_visible()

    page.locator("textarea[name=reason]").first.fill("No response at 0.75 mg/kg after 4 sessions")
    page.get_by_role("button", name="Override the dose").first.click()
    expect(page.locator("body")).to_contain_text("Overridden by")
    page.get_by_role("button", name="Sign out").click()

    # The clinic admin reads the override and its reason in the audit trail.
    browser_sign_in(page, base, staff["clinic_admin"])
    page.goto(f"{base}/audit/?object_type=protocols.treatmentplan")
    expect(page.locator("table")).to_contain_text("No response at 0.75 mg/kg after 4 sessions")
    expect(page.locator("table")).to_contain_text("Override")
    assert plan.pk
