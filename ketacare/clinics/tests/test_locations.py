"""Locations, managed by the clinic admin in the pages (issue 15, item 4): add, edit, archive, reopen;
another clinic's is a 404. What scheduling's appointments refuse is tested in
scheduling/tests/test_location_archive.py (clinics may not import scheduling)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinics.actions import do_archive_location, do_update_location
from ketacare.clinics.models import Location

CHICAGO = {
    "name": "Harbor Chicago",
    "address": "1 Lake St\nChicago, IL",
    "time_zone": "America/Chicago",
    "phone": "(312) 555-0100",
}


@pytest.fixture
def admin_client(signed_in, staff):
    return signed_in(staff["clinic_admin"])


def test_an_admin_adds_a_location_and_it_is_audited(admin_client, staff, org):
    response = admin_client.post(reverse("clinics:location_create"), CHICAGO)

    location = Location.objects.get(organisation=org, name="Harbor Chicago")
    assert response.status_code == 302 and response.url == reverse("clinics:location_detail", args=[location.pk])
    assert (location.time_zone, location.phone, location.is_active) == ("America/Chicago", "(312) 555-0100", True)
    entry = AuditEntry.objects.get(object_type="clinics.location", object_id=str(location.pk))
    assert entry.action == AuditAction.CREATE and entry.actor == staff["clinic_admin"] and entry.organisation == org
    page = admin_client.get(reverse("clinics:location_detail", args=[location.pk])).content.decode()
    # The set-up pages other apps own, linked by name.
    for url in (
        reverse("scheduling:location_resources", args=[location.pk]),
        reverse("ledger:settings"),
        reverse("rems:certifications"),
    ):
        assert f'href="{url}"' in page
    assert "Harbor Chicago" in admin_client.get(reverse("clinics:locations")).content.decode()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("time_zone", "America/Springfield", "Select a valid choice"),
        ("name", "harbor boston", "already has a location called"),
        ("name", "  ", "required"),
        ("phone", "not a phone", "area code"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(admin_client, org, field, value, message):
    before = (Location.objects.count(), AuditEntry.objects.count())

    response = admin_client.post(reverse("clinics:location_create"), {**CHICAGO, field: value})

    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert (Location.objects.count(), AuditEntry.objects.count()) == before


def test_the_action_refuses_an_unknown_zone_itself(staff, portland):
    """The API and commands reach the action without the form's menu."""
    with pytest.raises(ValidationError) as refused:
        do_update_location(staff["clinic_admin"], portland.pk, time_zone="Mars/Olympus_Mons")
    assert "not a known time zone" in str(refused.value.message_dict["time_zone"])
    portland.refresh_from_db()
    assert portland.time_zone == "America/Los_Angeles"


def test_an_admin_edits_a_location(admin_client, portland):
    response = admin_client.post(
        reverse("clinics:location_edit", args=[portland.pk]),
        {"name": "Harbor Pearl District", "address": "200 Harbor Way", "time_zone": "America/Los_Angeles", "phone": ""},
    )

    assert response.status_code == 302
    portland.refresh_from_db()
    assert (portland.name, portland.address) == ("Harbor Pearl District", "200 Harbor Way")
    entry = AuditEntry.objects.filter(object_type="clinics.location", object_id=str(portland.pk)).get()
    assert entry.action == AuditAction.UPDATE and entry.detail["changed"]["name"] == [
        "Harbor Portland",
        "Harbor Pearl District",
    ]


def test_the_last_open_location_cannot_be_archived(staff, org, portland):
    do_archive_location(staff["clinic_admin"], portland.pk)
    boston = org.locations.get(name="Harbor Boston")

    with pytest.raises(ValidationError) as refused:
        do_archive_location(staff["clinic_admin"], boston.pk)
    assert "only open location" in str(refused.value.message_dict["location"])


def test_another_organisations_location_is_404_and_unchanged(admin_client, other_org):
    theirs = other_org.locations.get(name="Elsewhere Portland")
    for name in ("location_detail", "location_edit"):
        assert admin_client.get(reverse(f"clinics:{name}", args=[theirs.pk])).status_code == 404
    for name in ("location_edit", "location_archive"):
        assert admin_client.post(reverse(f"clinics:{name}", args=[theirs.pk]), CHICAGO).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active and theirs.name == "Elsewhere Portland"


@pytest.mark.parametrize("role", ["front_desk", "nurse", "prescriber", "therapist"])
def test_other_staff_may_not_manage_locations(signed_in, staff, org, role):
    client = signed_in(staff[role])
    assert client.get(reverse("clinics:locations")).status_code == 403
    assert client.post(reverse("clinics:location_create"), CHICAGO).status_code == 403
    assert not Location.objects.filter(name="Harbor Chicago").exists()
