"""The demo organisation, its two locations and the staff logins.

The organisation and its first location are made as a real clinic's first run makes them
(`ketacare create_organisation`: clinics.actions, audited `via`); the logins are written here with a
known password, each with an audit entry marked `via`. Then the clinic admin does the rest through the
actions, as in the pages: the clinic's contact and crisis text, the first location's address, the
second location. Everything after this step goes through the apps' actions.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model

from ketacare.accounts.domain.roles import Role
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.actions import (
    create_organisation_with_location,
    do_create_location,
    do_update_location,
    do_update_organisation_settings,
)
from ketacare.clinics.models import Location, Organisation

DEMO_SEED = 20260101
DEMO_PASSWORD = "ketacare-demo"
# Fixed, so dates of birth do not move between runs.
REFERENCE_DATE = dt.date(2026, 1, 1)
# Written into the audit detail of the rows made outside any action.
VIA = "ketacare seed-demo"

# Shown on every public page, so it speaks of the clinic rather than one form.
CRISIS_TEXT = (
    "This clinic is not an emergency service. If you are thinking about suicide or are in crisis, "
    "call or text 988 (Suicide & Crisis Lifeline, US) or call 911, or go to the nearest emergency department."
)

PORTLAND, BOSTON = "Portland", "Boston"
LOCATIONS = {
    PORTLAND: {
        "time_zone": "America/Los_Angeles",
        "phone": "(503) 555-0100",
        "address": "200 Harbor Way, Suite 300\nPortland, OR 97201",
        "area_code": "503",
        "city": "Portland",
        "region": "OR",
        "postal_prefix": "972",
        # (name, supports_iv, supports_esketamine)
        "chairs": [
            ("Chair 1", True, False),
            ("Chair 2", True, False),
            ("Chair 3", True, True),
            ("Chair 4", False, True),
        ],
    },
    BOSTON: {
        "time_zone": "America/New_York",
        "phone": "(617) 555-0100",
        "address": "75 Wharf Street, Floor 4\nBoston, MA 02110",
        "area_code": "617",
        "city": "Boston",
        "region": "MA",
        "postal_prefix": "021",
        "chairs": [("Chair 1", True, False), ("Chair 2", True, True), ("Chair 3", True, True)],
    },
}

# username, role, first name, last name, title, where they work
STAFF = [
    ("frontdesk", Role.FRONT_DESK, "Riley", "Chen", "", PORTLAND),
    ("nurse", Role.NURSE, "Morgan", "Hayes", "RN", PORTLAND),
    ("prescriber", Role.PRESCRIBER, "Avery", "Patel", "MD", PORTLAND),
    ("therapist", Role.THERAPIST, "Jamie", "Ortiz", "LCSW", PORTLAND),
    ("admin", Role.CLINIC_ADMIN, "Casey", "Brooks", "", PORTLAND),
    ("nurse2", Role.NURSE, "Taylor", "Nguyen", "RN", BOSTON),
    ("prescriber2", Role.PRESCRIBER, "Jordan", "Kim", "NP", BOSTON),
    ("billing", Role.BILLING, "Robin", "Alvarez", "", PORTLAND),
]
PATIENT_USERNAME = "patient"


@dataclass
class DemoClinic:
    """What every area of the demo builds on; every random choice is drawn from `rng` in a fixed order."""

    rng: random.Random
    organisation: Organisation
    locations: dict[str, Location] = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    # (first, last) names already given, so no two demo patients share one.
    used_names: set = field(default_factory=set)

    @property
    def admin(self):
        return self.users["admin"]

    @property
    def front_desk(self):
        return self.users["frontdesk"]

    def clinicians(self, location_name: str) -> tuple:
        """Who records clinical entries at a location: (nurse, prescriber)."""
        if location_name == BOSTON:
            return self.users["nurse2"], self.users["prescriber2"]
        return self.users["nurse"], self.users["prescriber"]


def create_organisation_and_staff(rng: random.Random) -> DemoClinic:
    first, *others = LOCATIONS
    organisation, first_location = create_organisation_with_location(
        name="Harbor Ketamine Clinic",
        slug="harbor",
        time_zone=LOCATIONS[first]["time_zone"],
        location_name=first,
        via=VIA,
    )
    Organisation.objects.filter(pk=organisation.pk).update(demo_seed=DEMO_SEED)  # not a setting: no action
    clinic = DemoClinic(rng=rng, organisation=organisation)
    clinic.locations[first] = first_location
    # The clinic admin (who works at the first location) first: they set up the rest.
    username, role, first_name, last_name, title, _ = next(row for row in STAFF if row[1] == Role.CLINIC_ADMIN)
    admin = create_login(organisation, username, role, first_name, last_name, title=title, home_location=first_location)
    clinic.users[username] = admin
    organisation = do_update_organisation_settings(
        admin,
        organisation,
        phone="(503) 555-0100",
        email="hello@harbor-clinic.example.com",
        website="https://harbor-clinic.example.com",
        crisis_text=CRISIS_TEXT,
    )
    clinic.organisation = organisation
    spec = LOCATIONS[first]
    clinic.locations[first] = do_update_location(admin, first_location.pk, address=spec["address"], phone=spec["phone"])
    for name in others:
        spec = LOCATIONS[name]
        clinic.locations[name] = do_create_location(
            admin, name=name, time_zone=spec["time_zone"], address=spec["address"], phone=spec["phone"]
        )
    for username, role, first_name, last_name, title, where in STAFF:
        if username not in clinic.users:
            clinic.users[username] = create_login(
                organisation, username, role, first_name, last_name, title=title, home_location=clinic.locations[where]
            )
    return clinic


def create_login(
    organisation: Organisation,
    username: str,
    role: Role,
    first: str,
    last: str,
    *,
    title: str = "",
    email: str = "",
    home_location: Location | None = None,
):
    user = get_user_model().objects.create_user(
        username=username,
        password=DEMO_PASSWORD,
        email=email or f"{username}@harbor-clinic.example.com",
        first_name=first,
        last_name=last,
        title=title,
        role=role.value,
        organisation=organisation,
        home_location=home_location,  # their pages show times in its zone (lib/zones.py)
    )
    record_event(None, AuditAction.CREATE, user, organisation=organisation, detail={"via": VIA, "role": user.role})
    return user


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(username, role, password, where) for every demo login, the portal patient last."""
    rows = [(username, role.label, DEMO_PASSWORD, where) for username, role, *_, where in STAFF]
    rows.append((PATIENT_USERNAME, Role.PATIENT.label, DEMO_PASSWORD, "patient portal"))
    return rows
