"""The fictional demo clinic (`ketacare seed-demo`), one module per area, built in this order.

Everything is made up: names, addresses (555 phone numbers, example.com mail), histories. The
random draws come from one fixed seed, stored on the organisation, so every run builds the same
clinic. Each area writes through its app's actions, as the clinic's staff would; only the
organisation, its locations and the logins are written directly (no action makes them).

    organisation_and_staff  the organisation, two locations in two time zones, the staff logins
    patients                forty patients in every care stage, charted; the portal patient's login
    inquiries               consultation requests from the public form, some triaged
    schedule_resources      chairs, appointment types, opening hours, skills and shifts
    ledger                  controlled-substance products, DEA registrations, stock received
    rems                    the locations' esketamine REMS certification
    courses                 IV plans booked as whole courses; the waitlist
    pages                   the public pages
"""

import random

from ketacare.site.demo.courses import book_courses
from ketacare.site.demo.inquiries import add_consultation_requests
from ketacare.site.demo.ledger import stock_the_cabinets
from ketacare.site.demo.organisation_and_staff import DEMO_SEED, create_organisation_and_staff
from ketacare.site.demo.pages import PAGES, write_public_pages
from ketacare.site.demo.patients import add_patients
from ketacare.site.demo.rems import certify_the_locations
from ketacare.site.demo.schedule_resources import set_up_schedule_resources


def build_demo_clinic() -> str:
    """Build the clinic in the caller's transaction; returns a one-line summary of what was made."""
    clinic = create_organisation_and_staff(random.Random(DEMO_SEED))
    # The random draws happen in these two steps, in this order.
    patients = add_patients(clinic)
    inquiries = add_consultation_requests(clinic)
    chairs, appointment_types = set_up_schedule_resources(clinic)
    stock_the_cabinets(clinic)
    certify_the_locations(clinic)
    courses = book_courses(clinic, patients, appointment_types)
    write_public_pages(clinic)
    return (
        f"{len(clinic.locations)} locations, {chairs} chairs, {len(clinic.users) + 1} logins, "
        f"{len(patients)} patients, {len(inquiries)} consultation requests, {len(PAGES)} pages, "
        f"{courses} booked courses"
    )
