"""Issue 14.2 story in a real browser: a plan for a route candidacy did not approve is refused; where the clinic
allows it, a prescriber overrides with a reason, and the clinic admin reads the override in the audit trail.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from ketacare.candidacy import actions as candidacy_actions
from ketacare.protocols import actions as protocol_actions
from ketacare.protocols.builtins import seed_protocols
from ketacare.protocols.models import TreatmentPlan

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_unapproved_route_is_refused_and_an_allowed_override_is_audited(
    page: Page, live_server, staff, patient, intake_answers, browser_sign_in, browser_sign_out
):
    # A transactional test starts from an empty database: put the built-in protocols back.
    seed_protocols()
    answers, trials = intake_answers
    candidacy_actions.do_save_intake(staff["nurse"], patient.pk, weight_kg=70, trials=trials, **answers)
    candidacy_actions.do_record_decision(staff["prescriber"], patient.pk, route="ketamine_iv", decision="approve")
    base = live_server.url
    page.set_default_timeout(15000)

    # Candidacy approved IV only: an esketamine plan is refused, naming what is missing and where to fix it.
    browser_sign_in(page, base, staff["prescriber"])
    plans_url = f"{base}/protocols/patients/{patient.pk}/plans/"
    page.goto(plans_url)
    esketamine = page.locator("select[name=template_id] option", has_text="Esketamine").first.get_attribute("value")
    page.select_option("select[name=template_id]", value=esketamine)
    page.get_by_role("button", name="Create plan").click()
    expect(page.locator("body")).to_contain_text("No approved candidacy decision for Intranasal esketamine")
    expect(page.locator("body")).to_contain_text("Candidacy page")
    expect(page.locator("input[name=override_reason]")).to_have_count(0)  # the clinic does not allow overrides
    assert not TreatmentPlan.objects.exists()
    browser_sign_out(page)

    # The clinic allows a prescriber's override (its policy setting, audited).
    protocol_actions.do_update_protocol_settings(staff["clinic_admin"], prescriber_may_override_plan_prerequisites=True)

    browser_sign_in(page, base, staff["prescriber"])
    page.goto(plans_url)
    page.select_option("select[name=template_id]", value=esketamine)
    page.fill("input[name=override_reason]", "Esketamine approved by the referring psychiatrist; letter on file")
    page.get_by_role("button", name="Create plan").click()
    expect(page).to_have_url(re.compile(r"/protocols/plans/\d+/"))
    plan = TreatmentPlan.objects.get(patient=patient)
    expect(page.locator("#prerequisites-override")).to_contain_text("letter on file")

    # Starting it checks again: refused without a reason, started with one.
    page.select_option("select[name=status]", value="active")
    page.fill("input[name=reason]", "Consent signed")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#status")).to_contain_text("No approved candidacy decision for Intranasal esketamine")
    plan.refresh_from_db()
    assert plan.status == "proposed"
    page.select_option("select[name=status]", value="active")
    page.fill("input[name=reason]", "Consent signed")
    page.fill("input[name=override_reason]", "Psychiatrist's approval confirmed by phone")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("h1")).to_contain_text("Active")
    plan.refresh_from_db()
    assert plan.status == "active"
    browser_sign_out(page)

    # The clinic admin reads the override and its reason in the audit trail.
    browser_sign_in(page, base, staff["clinic_admin"])
    page.goto(f"{base}/audit/?object_type=protocols.treatmentplan")
    expect(page.locator("table")).to_contain_text("Psychiatrist's approval confirmed by phone")
    expect(page.locator("table")).to_contain_text("letter on file")
