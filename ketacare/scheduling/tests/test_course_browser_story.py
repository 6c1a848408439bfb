"""Issue-5 story in a real browser: the front desk books a 6-session course from the patient's
plan, sees it on the location's week calendar, moves one session (the rest stay valid), and a
conflicting manual booking is refused with a message."""

import datetime as dt
import itertools
import re

import pytest
from playwright.sync_api import Page, expect

from ketacare.clinics.models import Location
from ketacare.protocols.builtins import seed_protocols
from ketacare.scheduling.actions.resources import ensure_default_appointment_types
from ketacare.scheduling.models import Appointment, AppointmentType, Course
from ketacare.scheduling.tests.test_courses import (
    equip_location,
    make_plan,
    next_monday,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_front_desk_books_moves_and_is_refused_a_conflict(
    page: Page, live_server, org, staff, patient, second_patient, browser_sign_in, make_treatment_plan
):
    # A transactional test starts from an empty database: put the built-in protocols back.
    seed_protocols()
    portland = Location.objects.get(organisation=org, name__endswith="Portland")
    patient.home_location = portland
    patient.save(update_fields=["home_location"])
    equip_location(portland, staff)
    ensure_default_appointment_types(org)
    make_plan(make_treatment_plan, staff, patient, next_monday())
    base = live_server.url
    page.set_default_timeout(20000)

    browser_sign_in(page, base, staff["front_desk"])
    page.goto(f"{base}/scheduling/courses/patients/{patient.pk}/")
    page.get_by_role("link", name="Book the whole course").click()
    expect(page.locator("#windows")).to_contain_text("6")
    page.check("input[name=days][value=sat]")
    page.fill("input[name=from_time]", "08:00")
    page.fill("input[name=to_time]", "13:00")
    page.get_by_role("button", name="Book the course").click()
    expect(page).to_have_url(re.compile(r"/scheduling/courses/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("Course booked: 6 sessions")
    expect(page.locator("#sessions tbody tr.status-booked")).to_have_count(6)
    course = Course.objects.get(patient=patient)
    sessions = list(course.appointments.order_by("starts_at"))
    zone = portland.zone
    first_local = sessions[0].starts_at.astimezone(zone)

    # The course on the location's week calendar (the booking pages' calendar).
    page.goto(f"{base}/scheduling/calendar/locations/{portland.pk}/?date={first_local.date().isoformat()}&view=week")
    week_end = first_local.date() + dt.timedelta(days=7)
    in_week = [s for s in sessions if s.starts_at.astimezone(zone).date() < week_end]
    expect(page.locator(".appt", has_text=patient.full_name)).to_have_count(len(in_week))

    # Move session 2 to the other day of its window, 10:00; the rest of the course stays as it was.
    second = sessions[1]
    window = second.planned_session
    old_date = second.starts_at.astimezone(zone).date()
    new_date = window.window_end if old_date == window.window_start else window.window_start
    page.goto(f"{base}/scheduling/courses/{course.pk}/")
    row = page.locator(f"#session-{second.pk}")
    row.locator("input[name=start_date]").fill(new_date.isoformat())
    row.locator("input[name=start_time]").fill("10:00")
    row.get_by_role("button", name="Move").click()
    expect(page.locator(".messages")).to_contain_text("the rest of the course still fits")
    second.refresh_from_db()
    assert second.starts_at == dt.datetime.combine(new_date, dt.time(10), tzinfo=zone)
    others = [(a.pk, a.starts_at) for a in sessions if a.pk != second.pk]
    assert [(a.pk, a.starts_at) for a in course.appointments.exclude(pk=second.pk).order_by("starts_at")] == others
    dates = [a.starts_at.astimezone(zone).date() for a in course.appointments.order_by("starts_at")]
    assert all((b - a).days >= 1 for a, b in itertools.pairwise(dates))

    # A manual booking into the chair and time of session 3 is refused with a message.
    third = sessions[2]
    third_local = third.starts_at.astimezone(zone)
    iv = AppointmentType.objects.get(organisation=org, kind="iv_infusion")
    page.goto(
        f"{base}/scheduling/book/?patient={second_patient.pk}&location={portland.pk}&chair={third.chair_id}"
        f"&appointment_type={iv.pk}&start_date={third_local.date().isoformat()}"
        f"&start_time={third_local.strftime('%H:%M')}"
    )
    page.get_by_role("button", name="Book").click()
    expect(page.locator("body")).to_contain_text(re.compile("already booked", re.IGNORECASE))
    assert not Appointment.objects.filter(patient=second_patient).exists()
