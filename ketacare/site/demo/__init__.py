"""The fictional demo clinic (`ketacare seed-demo`), one module per area, built in this order.

Everything is made up: names, addresses (555 phone numbers, example.com mail), histories. The
random draws come from fixed seeds (the organisation's, stored on it, and per past patient), so
every run builds the same clinic, dated from the day it runs. Each area writes through its app's
actions, as the clinic's staff would; only the organisation, its locations and the logins are
written directly (no action makes them). The clinic opens a year ago: the clock is set back
(demo/clock.py) and the past year is lived through the actions in time order (demo/timeline.py);
then the clock runs again for today's patients.

    organisation_and_staff  the organisation, two locations in two time zones, the staff logins
    schedule_resources      chairs, appointment types, opening hours, skills, shifts, public holidays
    ledger                  controlled-substance products, DEA registrations; fortnightly stock
    rems                    the locations' esketamine REMS certification
    billing                 the fee schedule, package, payers; each past patient's insurance or package;
                            today: charges finalised, self-pay bills paid, claims sent, paid or ready
    history                 a year of past patients: candidacy, plans, courses, maintenance, follow-ups
      sessions              one treatment session, step by step at its minutes
      trajectories          how each past patient's scores move
      candidacy             the intake and the route's approval every treated patient needs
    patients                today's patients in every stage up to induction; the portal patient
    inquiries               consultation requests from the public form, some triaged
    courses                 IV plans booked as whole courses; the waitlist
    pages                   the public pages
"""

import datetime as dt
import random
import zoneinfo

from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from django.utils import timezone

from ketacare.site.demo.billing import set_up_billing, settle_the_year
from ketacare.site.demo.clock import DemoClock
from ketacare.site.demo.courses import book_courses
from ketacare.site.demo.history import PastYear
from ketacare.site.demo.inquiries import add_consultation_requests
from ketacare.site.demo.ledger import stock_the_cabinets
from ketacare.site.demo.organisation_and_staff import (
    DEMO_PASSWORD,
    DEMO_SEED,
    LOCATIONS,
    PORTLAND,
    create_organisation_and_staff,
)
from ketacare.site.demo.pages import PAGES, write_public_pages
from ketacare.site.demo.patients import PATIENT_COUNT, add_patients
from ketacare.site.demo.rems import certify_the_locations
from ketacare.site.demo.schedule_resources import close_on_public_holidays, set_up_schedule_resources
from ketacare.site.demo.timeline import Timeline

# How far back the clinic opens, and how far ahead its holidays are closed.
PAST_DAYS = 365
HOLIDAYS_AHEAD_DAYS = 365
# While the demo is built its logins' passwords are hashed cheaply: every dose check and witnessed
# waste of the past year re-authenticates a colleague, and the production hasher (Argon2) would
# spend minutes on that. The hashes are replaced by production ones before the seed's
# transaction commits, so no cheap hash is ever stored.
# The clinic's first day is counted on the first location's calendar.
PORTLAND_ZONE = zoneinfo.ZoneInfo(LOCATIONS[PORTLAND]["time_zone"])
SEED_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def build_demo_clinic() -> str:
    """Build the clinic in the caller's transaction; returns a one-line summary of what was made."""
    end = timezone.now()
    clock = DemoClock()
    with override_settings(PASSWORD_HASHERS=SEED_PASSWORD_HASHERS), clock.running():
        summary = _build(clock, end)
    # Production hashes for the logins (see SEED_PASSWORD_HASHERS).
    for user in get_user_model().objects.all():
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return summary


def _build(clock: DemoClock, end: dt.datetime) -> str:
    # The clinic opens a year ago, set up by its admin; the past year is lived through the actions.
    portland_today = timezone.localdate(end, timezone=PORTLAND_ZONE)
    opening_day = portland_today - dt.timedelta(days=PAST_DAYS)
    clock.set(dt.datetime.combine(opening_day, dt.time(8), tzinfo=PORTLAND_ZONE))
    clinic = create_organisation_and_staff(random.Random(DEMO_SEED))
    chairs, appointment_types = set_up_schedule_resources(clinic)
    closed = close_on_public_holidays(clinic, opening_day, portland_today + dt.timedelta(days=HOLIDAYS_AHEAD_DAYS))
    stock_the_cabinets(clinic)
    certify_the_locations(clinic)
    set_up_billing(clinic)
    timeline = Timeline(clock, end, closed)
    past_patients = PastYear(clinic, timeline, appointment_types).live(
        clock.now(), first_patient_number=PATIENT_COUNT + 1
    )

    # Today: the clock runs again.
    clock.set(None)
    money = settle_the_year(clinic, past_patients)
    # The random draws happen in these two steps, in this order.
    patients = add_patients(clinic)
    inquiries = add_consultation_requests(clinic)
    courses = book_courses(clinic, patients, appointment_types)
    write_public_pages(clinic)
    return (
        f"{len(clinic.locations)} locations, {chairs} chairs, {len(clinic.users) + 1} logins, "
        f"{len(patients) + len(past_patients)} patients ({len(past_patients)} with a past year of care), "
        f"{len(inquiries)} consultation requests, {len(PAGES)} pages, {courses} booked courses; {money}"
    )
