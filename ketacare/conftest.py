"""Shared fixtures: two organisations, a persona for every role, SMTP, browser.

Personas (like healthchecks' alice/bob/charlie): one user per role in the
"Harbor" organisation, a patient with a portal account and a second patient,
and staff of a second organisation ("Elsewhere") who must never see Harbor's data.
"""

import datetime as dt
import os
import socket

import pytest
from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts.domain.roles import TWO_FACTOR_REQUIRED_ROLES, Role
from ketacare.clinics.models import Location, Organisation
from ketacare.patients.models import Patient

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# made by tests alongside it are synchronous and safe (test-only setting).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test (browser stories, concurrency) ends with a flush that also empties the
    built-in protocol templates migration 0002 put there; tests after it (pytest orders browser
    tests among the others) expect them, so they are put back once the test's fixtures are gone."""
    result = yield
    marker = item.get_closest_marker("django_db")
    # After the last test the test database is already gone, and nothing needs the templates.
    if nextitem is not None and (
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        or (marker and marker.kwargs.get("transaction"))
    ):
        from pytest_django.plugin import blocking_manager_key

        from ketacare.protocols.builtins import seed_protocols

        with item.config.stash[blocking_manager_key].unblock():
            seed_protocols()
    return result


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEMO_MODE = False


def make_organisation(name: str, slug: str) -> Organisation:
    organisation = Organisation.objects.create(name=name, slug=slug, phone="+15035550100")
    Location.objects.create(organisation=organisation, name=f"{name} Portland", time_zone="America/Los_Angeles")
    Location.objects.create(organisation=organisation, name=f"{name} Boston", time_zone="America/New_York")
    return organisation


def make_user(organisation, role: Role, username: str):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.org",
        first_name=username.split("_")[0].title(), last_name="Tester",
        organisation=organisation, role=role.value,
    )
    if role in TWO_FACTOR_REQUIRED_ROLES:
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def make_patient(organisation, number: int, **fields) -> Patient:
    values = {
        "first_name": f"Pat{number}", "last_name": f"Example{number}",
        "date_of_birth": dt.date(1980, 1, 1) + dt.timedelta(days=number),
        "email": f"pat{number}@example.org",
    }
    values.update(fields)
    return Patient.objects.create(organisation=organisation, record_number=f"T-{number:05d}", **values)


@pytest.fixture
def org(db):
    return make_organisation("Harbor", "harbor")


@pytest.fixture
def other_org(db):
    return make_organisation("Elsewhere", "elsewhere")


@pytest.fixture
def staff(org):
    """One user per staff role in `org`, keyed by role value."""
    return {role.value: make_user(org, role, f"{role.value}_harbor") for role in Role if role != Role.PATIENT}


@pytest.fixture
def other_staff(other_org):
    return {role.value: make_user(other_org, role, f"{role.value}_elsewhere") for role in Role if role != Role.PATIENT}


@pytest.fixture
def patient(org):
    """A patient of `org` with a portal account."""
    record = make_patient(org, 1)
    record.user = make_user(org, Role.PATIENT, "patient_one")
    record.save(update_fields=["user"])
    return record


@pytest.fixture
def second_patient(org):
    record = make_patient(org, 2)
    record.user = make_user(org, Role.PATIENT, "patient_two")
    record.save(update_fields=["user"])
    return record


@pytest.fixture
def other_org_patient(other_org):
    return make_patient(other_org, 3)


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
def signed_in(client):
    """signed_in(user) -> the test client, logged in as user (two-factor done)."""
    return lambda user: sign_in(client, user)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message

        self.messages = []
        sink = self

        class Keep(Message):
            def handle_message(self, message):
                sink.messages.append(message)

        self.port = free_port()
        self.controller = Controller(Keep(), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()


@pytest.fixture
def smtp_server(settings):
    """Route Django's mail through a real SMTP server; `.messages` holds what arrived."""
    sink = SmtpSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
        "args": CHROMIUM_ARGS,
    }
