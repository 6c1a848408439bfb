"""Issue 6, second story, in a real browser: an esketamine session through to a finalised REMS form.

The clinic admin records the location's REMS certification; the nurse checks the patient in and
tries to draw the dose, which the REMS refuses because the patient is not enrolled; the prescriber
enrolls the patient; the nurse draws 56 mg, uses two devices with the 5-minute rest, takes vitals
at 40 minutes and before leaving, and discharges after the 2 hours. From the REMS dashboard the
nurse opens the monitoring form, filled from the chart, and finalises it; the printable form is a PDF.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from ketacare.rems.models import MonitoringForm, RemsCertification, RemsEnrollment
from ketacare.scheduling.models import AppointmentKind
from ketacare.treatments.models import SessionStatus, TreatmentSession

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def esketamine_day(
    staff, patient, portland, make_treatment_plan, make_session_appointment, make_products, receive, put_on_shift
):
    """An active esketamine plan, today's esketamine appointment and a 56 mg kit (lot SPR-7) at Portland;
    the prescriber is on shift there (the dose's second checker)."""
    put_on_shift(staff["prescriber"], portland)
    make_treatment_plan(patient, "esketamine-nasal", staff["prescriber"])
    appointment = make_session_appointment(patient, portland, AppointmentKind.ESKETAMINE, staff["front_desk"])
    _, esketamine = make_products(staff["clinic_admin"])
    kit = receive(staff["nurse"], portland, esketamine, lot="SPR-7")[0].vial
    return {"appointment": appointment, "kit": kit}


def draw_dose(page: Page, kit, checker, password) -> None:
    dose = page.locator("#form-dose")
    dose.get_by_label("Vial (lot)").select_option(str(kit.pk))
    dose.get_by_label("Second check: checker's username").fill(checker.username)
    dose.get_by_label("Checker's password").fill(password)
    dose.get_by_label("Dose (mg)").select_option("56")
    dose.get_by_role("button", name="Draw the dose").click()


def test_esketamine_session_to_finalised_rems_form(
    page: Page,
    live_server,
    staff,
    patient,
    portland,
    esketamine_day,
    clock,
    browser_sign_in,
    browser_sign_out,
    browser_record_vitals,
    password,
):
    # Generous: the CI machine is shared.
    page.set_default_timeout(45000)
    base = live_server.url
    nurse, prescriber = staff["nurse"], staff["prescriber"]

    # The clinic admin records Portland's REMS certification.
    browser_sign_in(page, base, staff["clinic_admin"])
    page.goto(f"{base}/rems/certifications/")
    form = page.locator("#new-certification")
    form.get_by_label("Location").select_option(str(portland.pk))
    form.get_by_label("Certificate id").fill("HCS-20461")
    form.get_by_label("Certified on").fill((dt.date.today() - dt.timedelta(days=30)).isoformat())
    form.get_by_label("Authorized representative").fill("Dana Rivera")
    form.get_by_role("button", name="Record certification").click()
    expect(page.locator("#certifications")).to_contain_text("HCS-20461")
    assert RemsCertification.objects.get().location == portland
    browser_sign_out(page)

    # The nurse checks the patient in; drawing the dose is refused: not enrolled.
    browser_sign_in(page, base, nurse)
    page.goto(f"{base}/sessions/?location={portland.pk}")
    page.get_by_role("button", name="Start session").click()
    expect(page).to_have_url(re.compile(r"/sessions/\d+/$"))
    session = TreatmentSession.objects.get()
    checklist = page.locator("#form-checklist")
    # Today's questionnaires are derived (none due here), not ticked.
    expect(page.locator("#questionnaires-today")).to_contain_text("None due today")
    for label in (
        "Identity confirmed",
        "Fasting as instructed",
        "Driver home confirmed",
        "Interacting medicines taken today asked",
    ):
        checklist.get_by_label(label, exact=True).check()
    checklist.get_by_label("Benzodiazepine", exact=True).check()
    checklist.get_by_role("button", name="Save checklist").click()
    expect(page.locator("#panel .kc-notice")).to_contain_text("Checklist saved")
    browser_record_vitals(page, 132, 84)
    page.get_by_role("button", name="Pre-session checks done").click()
    expect(page.locator("#status")).to_have_text("Pre-session checks done")
    draw_dose(page, esketamine_day["kit"], prescriber, password)
    expect(page.locator("#dose")).to_contain_text("not enrolled in the esketamine REMS")
    assert not session.preparations.exists()
    browser_sign_out(page)

    # The prescriber enrolls the patient.
    browser_sign_in(page, base, prescriber)
    page.goto(f"{base}/rems/patients/{patient.pk}/")
    expect(page.locator("#enrollment")).to_contain_text("Not enrolled")
    enrollment = page.locator("#enrollment")
    enrollment.get_by_label("REMS enrollment id").fill("PT-5550123")
    enrollment.get_by_role("button", name="Record enrollment").click()
    expect(page.locator("#enrollment")).to_contain_text("Enrolled")
    assert RemsEnrollment.objects.get().enrolled_by == prescriber
    browser_sign_out(page)

    # The nurse draws 56 mg and uses two devices, 5 minutes apart.
    browser_sign_in(page, base, nurse)
    page.goto(f"{base}/sessions/{session.pk}/")
    draw_dose(page, esketamine_day["kit"], prescriber, password)
    expect(page.locator("#dose")).to_contain_text("SPR-7")
    page.get_by_role("button", name="Device used now").click()
    expect(page.locator("#panel .kc-notice")).to_contain_text("rest 5 minutes")
    clock.advance(5)
    page.reload()
    page.get_by_role("button", name="Device used now").click()
    expect(page.locator("#status")).to_have_text("Observing")
    clock.advance(41)
    browser_record_vitals(page, 152, 94)
    clock.advance(80)
    browser_record_vitals(page, 128, 80)
    discharge = page.locator("#form-discharge")
    for label in ("Alert", "Walking steadily", "Accompanied home"):
        discharge.get_by_label(label, exact=True).check()
    discharge.get_by_label("Who takes the patient home").fill("Sam (partner)")
    discharge.get_by_role("button", name="Discharge").click()
    expect(page.locator("#status")).to_have_text("Discharged")

    # From the REMS dashboard: the form, filled from the chart, then finalised.
    page.goto(f"{base}/rems/")
    expect(page.locator("#due")).to_contain_text(patient.full_name)
    page.locator("#due").get_by_role("button", name="Start the form").click()
    expect(page).to_have_url(re.compile(r"/rems/forms/\d+/$"))
    edit = page.locator("#edit")
    expect(edit.get_by_label("Lot number")).to_have_value("SPR-7")
    expect(edit.get_by_label("Dose (mg)")).to_have_value("56")
    expect(edit.get_by_label("Bp 40min systolic mmhg")).to_have_value("152")
    expect(edit.get_by_label("Benzodiazepines")).to_have_value("yes")
    expect(page.locator("#missing")).to_have_count(0)
    edit.get_by_label("Notes").fill("Patient rested quietly; no rescue medicine.")
    edit.get_by_role("button", name="Save form").click()
    expect(page.locator(".messages")).to_contain_text("Form saved")
    page.get_by_role("button", name="Finalise").click()
    expect(page.locator("#form-status")).to_have_text("Finalised")
    expect(page.locator("#values")).to_contain_text("152/94")

    form = MonitoringForm.objects.get(session=session)
    assert (form.status, form.dose_mg, form.lot_number, form.monitoring_minutes) == ("finalised", 56, "SPR-7", 126)
    assert (form.first_treatment, form.benzodiazepines, form.opioids) == (True, True, False)
    assert (form.bp_leaving_systolic_mmhg, form.vitals_in_range_before_leaving) == (128, True)
    assert TreatmentSession.objects.get(pk=session.pk).status == SessionStatus.DISCHARGED
    pdf = page.request.get(f"{base}/rems/forms/{form.pk}/pdf/")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
