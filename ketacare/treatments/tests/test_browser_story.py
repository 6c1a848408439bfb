"""Issue 6 story in a real browser: a nurse runs an IV session from check-in to discharge.

Blood pressure above the protocol's delay level holds the session; a prescriber overrides it with
a reason; the nurse draws the dose from a vial, checked by the prescriber (who signs in on the
form, on shift), and wastes the rest
with the prescriber as witness; vitals, a MOAA/S rating, discharge refused then given, both
signatures. The ledger balance, the audit trail and the session PDF are checked at the end.
"""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from ketacare.audit.models import AuditEntry
from ketacare.ledger.models import EntryKind, LedgerEntry, Vial
from ketacare.treatments.models import SessionStatus, TreatmentSession

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", [{"width": 1024, "height": 768}, {"width": 768, "height": 1024}])
def test_iv_session_check_in_to_discharge(
    page: Page,
    live_server,
    staff,
    iv_world,
    portland,
    clock,
    viewport,
    password,
    pdf_text,
    browser_sign_in,
    browser_sign_out,
    browser_record_vitals,
):
    page.set_viewport_size(viewport)
    page.set_default_timeout(15000)
    base = live_server.url
    nurse, prescriber = staff["nurse"], staff["prescriber"]
    vial = iv_world["vial"]

    # The nurse's day list: start the session from today's appointment.
    browser_sign_in(page, base, nurse)
    page.goto(f"{base}/sessions/?location={portland.pk}")
    page.get_by_role("button", name="Start session").click()
    expect(page).to_have_url(re.compile(r"/sessions/\d+/$"))
    session = TreatmentSession.objects.get()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # no sideways scrolling

    # Check-in and the checklist.
    checklist = page.locator("#form-checklist")
    # Today's questionnaires are derived (none due here), not ticked.
    expect(page.locator("#questionnaires-today")).to_contain_text("None due today")
    for label in (
        "Identity confirmed",
        "Today's weight",
        "Fasting as instructed",
        "Driver home confirmed",
        "Interacting medicines taken today asked",
    ):
        checklist.get_by_label(label, exact=True).check()
    checklist.get_by_label("Today's weight (kg)").fill("70")
    checklist.get_by_role("button", name="Save checklist").click()
    expect(page.locator("#panel .kc-notice")).to_contain_text("Checklist saved")

    # Pre-dose vitals above 140/90: held.
    browser_record_vitals(page, 162, 96, hr=88)
    page.get_by_role("button", name="Pre-session checks done").click()
    expect(page.locator("#hold")).to_contain_text("Systolic 162 mmHg is above the protocol's delay level of 140")
    expect(page.locator("#status")).to_have_text("Held")
    expect(page.locator("#hold")).to_contain_text("A prescriber must review")
    browser_sign_out(page)

    # The prescriber overrides with a reason.
    browser_sign_in(page, base, prescriber)
    page.goto(f"{base}/sessions/{session.pk}/")
    page.locator("#hold textarea[name=reason]").fill("Anxious on arrival; home readings 130s/80s; proceed")
    page.get_by_role("button", name="Override the hold").click()
    expect(page.locator("#status")).to_have_text("Pre-session checks done")
    browser_sign_out(page)

    # The nurse draws the dose from the vial, checked by the prescriber; wastes the rest with a witness.
    browser_sign_in(page, base, nurse)
    page.goto(f"{base}/sessions/{session.pk}/")
    expect(page.locator("#panel")).to_contain_text("Hold overridden by")
    dose = page.locator("#form-dose")
    dose.get_by_label("Vial (lot)").select_option(str(vial.pk))
    # The second check: the prescriber (on shift here) signs in on the form.
    dose.get_by_label("Second check: checker's username").fill(prescriber.username)
    dose.get_by_label("Checker's password").fill(password)
    dose.get_by_role("button", name="Draw the dose").click()
    expect(page.locator("#dose")).to_contain_text("35 mg = 0.7 mL")
    waste = page.locator("#form-waste")
    waste.get_by_label("Wasted (mg)").fill("465")
    waste.get_by_label("Witness", exact=True).select_option(str(prescriber.pk))
    waste.get_by_label("Witness's password").fill(password)
    waste.get_by_role("button", name="Record waste with witness").click()
    expect(page.locator("#dose")).to_contain_text("wasted 465 mg")

    # Administration, vitals at the protocol's times, a sedation rating.
    page.get_by_role("button", name="Start administration").click()
    expect(page.locator("#status")).to_have_text("Administering")
    browser_record_vitals(page, 138, 86)
    clock.advance(16)
    browser_record_vitals(page, 146, 92)
    expect(page.locator("#vitals svg.kc-vitals-chart line.threshold.delay").first).to_be_attached()
    page.locator("#form-rating").first.get_by_label("Responsiveness").select_option("4")
    page.get_by_role("button", name="Record MOAA/S").click()
    expect(page.locator("#ratings")).to_contain_text("MOAA/S 4")
    clock.advance(25)
    page.get_by_role("button", name="Stop administration").click()
    expect(page.locator("#status")).to_have_text("Observing")
    browser_record_vitals(page, 132, 84)
    expect(page.locator("#vitals .kc-schedule")).to_contain_text("30 min · missed")

    # Discharge refused while the patient is not yet walking steadily, then given.
    discharge = page.locator("#form-discharge")
    discharge.get_by_label("Alert", exact=True).check()
    discharge.get_by_label("Accompanied home").check()
    discharge.get_by_label("Who takes the patient home").fill("Sam (partner)")
    discharge.get_by_role("button", name="Discharge").click()
    expect(page.locator("#discharge")).to_contain_text("Walking steadily: not yet confirmed")
    expect(page.locator("#status")).to_have_text("Observing")
    clock.advance(30)  # the minimum observation runs from the end of the infusion
    discharge = page.locator("#form-discharge")
    for label in ("Alert", "Walking steadily", "Accompanied home"):
        discharge.get_by_label(label, exact=True).check()
    discharge.get_by_label("Who takes the patient home").fill("Sam (partner)")
    discharge.get_by_role("button", name="Discharge").click()
    expect(page.locator("#status")).to_have_text("Discharged")
    page.get_by_role("button", name="Sign the record").click()
    expect(page.locator("#signatures")).to_contain_text("Nurse: Nurse Tester")
    browser_sign_out(page)
    browser_sign_in(page, base, prescriber)
    page.goto(f"{base}/sessions/{session.pk}/")
    page.get_by_role("button", name="Sign the record").click()
    expect(page.locator("#status")).to_have_text("Signed")
    expect(page.locator("#signatures")).to_contain_text("corrections are addenda")

    # The ledger: 500 mg received, 35 given, 465 wasted with the witness; balance 0.
    assert Vial.objects.get(pk=vial.pk).balance_mg == Decimal("0")
    entries = {e.kind: e for e in LedgerEntry.objects.filter(vial=vial)}
    assert entries[EntryKind.ADMINISTRATION].quantity_mg == Decimal("-35")
    assert entries[EntryKind.ADMINISTRATION].checked_by == prescriber
    assert entries[EntryKind.WASTE].quantity_mg == Decimal("-465") and entries[EntryKind.WASTE].witness == prescriber
    assert sum(e.quantity_mg for e in entries.values()) == Decimal("0")
    # The audit trail: the hold, the override with its reason, the witness's re-authentication.
    trail = AuditEntry.objects.filter(object_type="treatments.treatmentsession", object_id=str(session.pk))
    assert trail.filter(detail__status="held", actor=nurse).exists()
    assert trail.filter(
        detail__override=True, actor=prescriber, detail__reason="Anxious on arrival; home readings 130s/80s; proceed"
    ).exists()
    assert AuditEntry.objects.filter(actor=prescriber, detail__event="witness_reauthenticated").exists()
    # The session PDF.
    pdf = page.request.get(f"{base}/sessions/{session.pk}/record.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    text = pdf_text(pdf.body())
    for expected in (
        b"Hold overridden",
        b"Anxious on arrival",
        b"lot L1",
        b"35 mg",
        b"0.7 mL",
        b"465 mg",
        b"accompanied home by Sam",
        b"Record locked",
        b"MOAA/S",
    ):
        assert expected in text, expected
    assert TreatmentSession.objects.get(pk=session.pk).status == SessionStatus.SIGNED
