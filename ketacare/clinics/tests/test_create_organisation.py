"""`ketacare create_organisation`: a real clinic's first run makes the organisation, its first location and
its first clinic admin (inactive until they set a password through the printed one-time link)."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from ketacare.accounts.models import Invitation, InvitationPurpose, User
from ketacare.audit.models import AuditEntry
from ketacare.clinics.models import Location, Organisation

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Lakeside Ketamine Clinic",
    "slug": "lakeside",
    "time_zone": "America/Chicago",
    "location_name": "Downtown",
    "admin_email": "Dana.Admin@Lakeside.example",
    "admin_first_name": "Dana",
    "admin_last_name": "Admin",
}


def run(**options) -> str:
    out = io.StringIO()
    call_command("create_organisation", stdout=out, **options)
    return out.getvalue()


def counts():
    return (Organisation.objects.count(), Location.objects.count(), User.objects.count(), AuditEntry.objects.count())


def test_it_creates_the_clinic_and_prints_a_one_time_link(settings):
    settings.PUBLIC_BASE_URL = "https://care.lakeside.example"

    printed = run(**GOOD)

    organisation = Organisation.objects.get(slug="lakeside")
    location = organisation.locations.get()
    assert (location.name, location.time_zone, location.is_active) == ("Downtown", "America/Chicago", True)
    admin = User.objects.get(organisation=organisation)
    assert (admin.username, admin.role, admin.first_name) == ("dana.admin@lakeside.example", "clinic_admin", "Dana")
    assert admin.home_location == location and not admin.has_usable_password() and not admin.is_active
    link = re.search(r"https://care\.lakeside\.example/\S+", printed).group(0)
    invitation = Invitation.objects.get(user=admin, purpose=InvitationPurpose.STAFF)
    assert invitation.used_at is None and invitation.token_sha256 not in printed
    # Each row it wrote is in the new organisation's audit trail, saying how it was made.
    entries = AuditEntry.objects.filter(organisation=organisation)
    assert {e.object_type for e in entries} == {"clinics.organisation", "clinics.location", "accounts.user"}
    assert all(e.actor is None and e.detail["via"] == "ketacare create_organisation" for e in entries)
    # The link opens the page where the admin sets a password.
    assert Client().get(link.removeprefix("https://care.lakeside.example")).status_code == 200


@pytest.mark.parametrize(
    "option, value, named",
    [
        ("time_zone", "America/Springfield", "--time-zone"),
        ("slug", "Not A Slug", "--slug"),
        ("admin_email", "dana-at-lakeside", "--admin-email"),
        ("location_name", "", "--location-name"),
        ("name", "  ", "--name"),
    ],
)
def test_bad_input_names_the_option_exits_non_zero_and_creates_nothing(settings, option, value, named):
    settings.PUBLIC_BASE_URL = "https://care.lakeside.example"
    before = counts()

    with pytest.raises(CommandError) as refused:
        run(**{**GOOD, option: value})

    assert refused.value.returncode == 2
    assert str(refused.value).startswith(f"{named}:") and "nothing was created" in str(refused.value)
    assert counts() == before


def test_a_taken_slug_or_email_is_refused(settings, org):
    settings.PUBLIC_BASE_URL = "https://care.lakeside.example"
    before = counts()
    with pytest.raises(CommandError, match="^--slug: .*already exists"):
        run(**{**GOOD, "slug": "harbor"})
    assert counts() == before
    User.objects.create(username="dana.admin@lakeside.example", organisation=org, role="nurse")
    before = counts()
    with pytest.raises(CommandError, match="^--admin-email: .*already exists"):
        run(**GOOD)  # the username is the email lower-cased
    assert counts() == before


def test_without_the_sites_address_it_says_so_and_creates_nothing(settings):
    settings.PUBLIC_BASE_URL = ""
    settings.DEBUG = False
    settings.DEMO_MODE = False
    before = counts()

    with pytest.raises(CommandError, match="KETACARE_PUBLIC_URL"):
        run(**GOOD)
    assert counts() == before


def test_add_user_still_creates_an_organisation_with_a_password_through_the_same_checks(monkeypatch):
    monkeypatch.setenv("KETACARE_NEW_USER_PASSWORD", "a long enough pass phrase 42")
    options = {
        "organisation": "lakeside",
        "role": "clinic_admin",
        "username": "breakglass",
        "create_organisation": "Lakeside",
        "location": "Downtown",
    }
    before = counts()
    with pytest.raises(CommandError, match="time_zone: .*not a known time zone"):
        call_command("add_user", stdout=io.StringIO(), time_zone="America/Springfield", **options)
    assert counts() == before

    call_command("add_user", stdout=io.StringIO(), time_zone="America/Chicago", **options)

    user = User.objects.get(username="breakglass")
    assert user.is_active and user.check_password("a long enough pass phrase 42")
    assert user.organisation.locations.get().time_zone == "America/Chicago"
