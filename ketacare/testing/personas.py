"""Personas (like healthchecks' alice/bob/charlie): one user per role in the "Harbor" organisation, a
patient with a portal account and a second patient, and staff of a second organisation ("Elsewhere")
who must never see Harbor's data. Each organisation has a Portland and a Boston location.

Builders for more of the same: make_organisation, make_user, make_patient (fixtures of the same name);
`password` is every persona's password; signed_in(user) logs the test client in.
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts.domain.roles import STAFF_ROLES, TWO_FACTOR_REQUIRED_ROLES, Role
from ketacare.audit.models import AuditEntry
from ketacare.clinics.models import Location, Organisation
from ketacare.patients.models import Patient

PASSWORD = "correct horse battery staple"


def make_organisation(name: str, slug: str) -> Organisation:
    organisation = Organisation.objects.create(name=name, slug=slug, phone="+15035550100")
    Location.objects.create(organisation=organisation, name=f"{name} Portland", time_zone="America/Los_Angeles")
    Location.objects.create(organisation=organisation, name=f"{name} Boston", time_zone="America/New_York")
    return organisation


def make_user(organisation, role: Role, username: str):
    user = get_user_model().objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@example.org",
        first_name=username.split("_")[0].title(),
        last_name="Tester",
        organisation=organisation,
        role=role.value,
    )
    if role in TWO_FACTOR_REQUIRED_ROLES:
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def make_patient(organisation, number: int, **fields) -> Patient:
    values = {
        "first_name": f"Pat{number}",
        "last_name": f"Example{number}",
        "date_of_birth": dt.date(1980, 1, 1) + dt.timedelta(days=number),
        "email": f"pat{number}@example.org",
    }
    values.update(fields)
    return Patient.objects.create(organisation=organisation, record_number=f"T-{number:05d}", **values)


def make_staff(organisation, username_suffix: str) -> dict:
    """One user per staff role in `organisation`, keyed by role value (usernames `<role>_<suffix>`)."""
    return {
        role.value: make_user(organisation, role, f"{role.value}_{username_suffix}")
        for role in Role
        if role in STAFF_ROLES
    }


def make_portal_patient(organisation, number: int, username: str) -> Patient:
    """A patient (record number T-<number>) with a portal account."""
    record = make_patient(organisation, number)
    record.user = make_user(organisation, Role.PATIENT, username)
    record.save(update_fields=["user"])
    return record


def sign_in(client, user):
    """Log `user` in on a test client, with the two-factor step done where they have a device."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def password():
    """Every persona's password (what a browser types on the sign-in page, a witness re-enters)."""
    return PASSWORD


@pytest.fixture(name="make_organisation")
def make_organisation_fixture():
    """make_organisation(name, slug) -> an organisation with a Portland and a Boston location."""
    return make_organisation


@pytest.fixture(name="make_user")
def make_user_fixture():
    """make_user(organisation, role, username) -> a user (with a confirmed TOTP device where the role needs one)."""
    return make_user


@pytest.fixture(name="make_patient")
def make_patient_fixture():
    """make_patient(organisation, number, **fields) -> a patient with record number T-<number>."""
    return make_patient


@pytest.fixture
def org(db):
    return make_organisation("Harbor", "harbor")


@pytest.fixture
def other_org(db):
    return make_organisation("Elsewhere", "elsewhere")


@pytest.fixture
def portland(org):
    """Harbor's Portland location (America/Los_Angeles)."""
    return org.locations.get(name="Harbor Portland")


@pytest.fixture
def staff(org):
    """One user per staff role in `org`, keyed by role value."""
    return make_staff(org, "harbor")


@pytest.fixture
def other_staff(other_org):
    return make_staff(other_org, "elsewhere")


@pytest.fixture
def patient(org):
    """A patient of `org` with a portal account."""
    return make_portal_patient(org, 1, "patient_one")


@pytest.fixture
def second_patient(org):
    return make_portal_patient(org, 2, "patient_two")


@pytest.fixture
def other_org_patient(other_org):
    return make_patient(other_org, 3)


@pytest.fixture
def signed_in(client):
    """signed_in(user) -> the test client, logged in as user (two-factor done)."""
    return lambda user: sign_in(client, user)


@pytest.fixture
def audit_entries():
    """audit_entries(patient=..., action=...) -> the matching audit entries, oldest first."""
    return lambda **filters: list(AuditEntry.objects.filter(**filters).order_by("sequence"))
