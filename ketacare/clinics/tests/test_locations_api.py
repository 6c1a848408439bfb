"""/api/v1/locations: the same actions as the locations pages (list, read, create, update, archive, reopen)."""

import pytest

from ketacare.clinics.models import Location

API = "/api/v1/locations"
BODY = {"name": "Harbor Chicago", "time_zone": "America/Chicago", "address": "1 Lake St", "phone": "(312) 555-0100"}


@pytest.fixture
def admin(signed_in, staff):
    return signed_in(staff["clinic_admin"])


def test_create_read_update_archive_reopen(admin, org):
    created = admin.post(API, BODY, content_type="application/json")
    assert created.status_code == 201, created.content
    location_id = created.json()["id"]
    assert created.json() | {"id": 0} == {**BODY, "id": 0, "is_active": True}

    assert admin.get(f"{API}/{location_id}").json()["time_zone"] == "America/Chicago"
    assert "Harbor Chicago" in [row["name"] for row in admin.get(API).json()]

    changed = admin.patch(f"{API}/{location_id}", {"phone": "(312) 555-0199"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["phone"] == "(312) 555-0199"
    assert changed.json()["address"] == "1 Lake St"  # fields not given stay

    assert admin.post(f"{API}/{location_id}/archive").json()["is_active"] is False
    assert admin.post(f"{API}/{location_id}/reopen").json()["is_active"] is True


@pytest.mark.parametrize(
    "field, value",
    [("time_zone", "Europe/Atlantis"), ("name", "Harbor Boston"), ("name", " "), ("phone", "call us")],
)
def test_bad_input_is_a_422_naming_the_field(admin, field, value):
    before = Location.objects.count()

    response = admin.post(API, {**BODY, field: value}, content_type="application/json")

    assert response.status_code == 422
    assert field in [entry["loc"][-1] for entry in response.json()["detail"]]
    assert Location.objects.count() == before


def test_other_roles_are_403_and_other_organisations_404(signed_in, staff, other_org):
    nurse = signed_in(staff["nurse"])
    assert nurse.get(API).status_code == 403
    assert nurse.post(API, BODY, content_type="application/json").status_code == 403
    theirs = other_org.locations.first()
    admin = signed_in(staff["clinic_admin"])
    assert admin.get(f"{API}/{theirs.pk}").status_code == 404
    assert admin.post(f"{API}/{theirs.pk}/archive").status_code == 404
    assert admin.get(API).json() and all(row["name"].startswith("Harbor") for row in admin.get(API).json())
