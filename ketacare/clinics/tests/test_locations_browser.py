"""Issue-15 story in a real browser: a clinic admin adds a third location in another time zone (Chicago),
sets it up through the pages its location page links to (opening hours, a chair, the default appointment
types, a prescriber's skill and weekly shift), and books a consultation there; the appointment shows in
Chicago's time with the zone printed, while the admin's own pages are in Boston's."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)

CHICAGO = "America/Chicago"


def test_an_admin_adds_a_location_in_another_zone_and_books_a_consultation_there(
    page: Page, live_server, org, staff, patient, browser_sign_in
):
    base = live_server.url
    page.set_default_timeout(20000)
    prescriber = staff["prescriber"]
    # Two weeks ahead in Chicago's own calendar (not the server's date: it may already be tomorrow in UTC).
    day = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(CHICAGO)).date() + dt.timedelta(days=14)
    weekday = str(day.weekday())  # Weekday: Monday is 0, as in Python

    browser_sign_in(page, base, staff["clinic_admin"])
    page.get_by_role("link", name="Locations", exact=True).click()
    expect(page.locator("#locations")).to_contain_text("Harbor Boston")
    page.get_by_role("link", name="Add a location").click()
    page.get_by_label("Name").fill("Harbor Chicago")
    page.get_by_label("Address").fill("1 Lake Street\nChicago, IL 60601")
    page.get_by_label("Time zone").select_option(CHICAGO)
    page.get_by_label("Phone").fill("(312) 555-0100")
    page.get_by_role("button", name="Add location").click()
    expect(page.locator(".messages")).to_contain_text("Harbor Chicago added")
    expect(page.locator("h1")).to_contain_text(CHICAGO)
    location_page = page.url

    # Opening hours and a chair, on scheduling's page for this location.
    page.locator("#set-up").get_by_role("link", name="Opening hours, closed dates and chairs").click()
    expect(page.locator("h1")).to_contain_text("Harbor Chicago")
    hours = page.locator("form", has=page.get_by_role("button", name="Set hours"))
    hours.locator("select[name=weekday]").select_option(weekday)
    hours.locator("input[name=opens_at]").fill("08:00")
    hours.locator("input[name=closes_at]").fill("18:00")
    hours.get_by_role("button", name="Set hours").click()
    expect(page.locator(".messages")).to_contain_text("Opening hours saved")
    chair = page.locator("form", has=page.get_by_role("button", name="Add chair"))
    chair.locator("input[name=name]").fill("Consult room")
    chair.get_by_role("button", name="Add chair").click()
    expect(page.locator(".messages")).to_contain_text("Chair added")

    # The clinic's appointment types (a new clinic has none yet).
    page.goto(location_page)
    page.locator("#set-up").get_by_role("link", name="Appointment types").click()
    page.get_by_role("button", name="Add the default types").click()
    expect(page.locator("table")).to_contain_text("Consultation")

    # The prescriber consults, and works Chicago's day there.
    page.goto(location_page)
    page.locator("#set-up").get_by_role("link", name="Staff shifts and skills").click()
    page.get_by_role("link", name=prescriber.get_full_name()).click()
    skills = page.locator("form", has=page.get_by_role("button", name="Save skills"))
    skills.locator("input[name=skills][value=consult]").check()
    skills.get_by_role("button", name="Save skills").click()
    shift = page.locator("form", has=page.get_by_role("button", name="Add shift"))
    shift.locator("select[name=location]").select_option(label="Harbor Chicago")
    shift.locator("select[name=weekday]").select_option(weekday)
    shift.locator("input[name=starts_at]").fill("08:00")
    shift.locator("input[name=ends_at]").fill("17:00")
    shift.get_by_role("button", name="Add shift").click()
    expect(page.locator("body")).to_contain_text("at Harbor Chicago")

    # Book a consultation there at 10:00 Chicago time.
    page.goto(f"{base}/scheduling/book/?patient={patient.pk}")
    form = page.locator("#book-form")
    form.locator("select[name=appointment_type]").select_option(label="Consultation")
    form.locator("select[name=location]").select_option(label="Harbor Chicago")
    form.locator("input[name=start_date]").fill(day.isoformat())
    form.locator("input[name=start_time]").fill("10:00")
    form.get_by_role("button", name="Book").click()
    expect(page).to_have_url(re.compile(r"/scheduling/appointments/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("Appointment booked")

    # Chicago's 10:00, its zone printed, though the admin's own zone (Boston's, their first location) is
    # an hour ahead; the prescriber with the shift there was chosen.
    when = page.locator("dd", has_text=CHICAGO)
    expect(when).to_contain_text(f"{day.day} {day:%B %Y}, 10:00–11:00")
    expect(page.locator("body")).to_contain_text(prescriber.get_full_name())
