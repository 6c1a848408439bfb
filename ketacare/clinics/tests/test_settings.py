import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinics.actions import do_update_organisation_settings
from ketacare.clinics.models import Organisation


def settings_data(org, **overrides):
    data = {
        "name": org.name,
        "phone": org.phone,
        "email": "hello@harbor.example.com",
        "website": "https://harbor.example.com",
        "minimum_age_years": "21",
        "crisis_line": "988",
        "crisis_text": "Not for emergencies. Call or text 988.",
    }
    data.update(overrides)
    return data


def snapshot(org):
    return Organisation.objects.filter(pk=org.pk).values().get()


def test_the_form_shows_the_current_settings(signed_in, staff, org):
    response = signed_in(staff["clinic_admin"]).get(reverse("clinics:settings"))

    assert response.status_code == 200
    assert response.context["form"].initial["minimum_age_years"] == 18
    assert "go to the nearest emergency department" in response.content.decode()


def test_saving_changes_the_organisation_and_audits_the_change(signed_in, staff, org):
    admin = staff["clinic_admin"]

    response = signed_in(admin).post(reverse("clinics:settings"), settings_data(org))

    assert response.status_code == 302
    org.refresh_from_db()
    assert org.minimum_age_years == 21 and org.website == "https://harbor.example.com"
    entry = AuditEntry.objects.get(object_type="clinics.organisation", action=AuditAction.UPDATE)
    assert entry.actor == admin and entry.patient is None
    assert entry.detail["changed"]["minimum_age_years"] == [18, 21]


@pytest.mark.parametrize(
    "field, value",
    [
        ("minimum_age_years", "121"),
        ("minimum_age_years", "-1"),
        ("minimum_age_years", "eighteen"),
        ("phone", "call us"),
        ("email", "not-an-email"),
        ("crisis_line", ""),
        ("crisis_text", ""),
        ("name", ""),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(signed_in, staff, org, field, value):
    client = signed_in(staff["clinic_admin"])
    before, audit_before = snapshot(org), AuditEntry.objects.count()

    response = client.post(reverse("clinics:settings"), settings_data(org, **{field: value}))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert snapshot(org) == before
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize("value", [121, -1])
def test_the_action_validates_the_minimum_age(staff, org, value):
    with pytest.raises(ValidationError) as info:
        do_update_organisation_settings(staff["clinic_admin"], org, minimum_age_years=value)
    assert "minimum_age_years" in info.value.message_dict
    org.refresh_from_db()
    assert org.minimum_age_years == 18


def test_the_action_refuses_other_roles_and_other_organisations(staff, other_staff, org):
    before = snapshot(org)
    with pytest.raises(PermissionDenied):
        do_update_organisation_settings(staff["front_desk"], org, name="Renamed")
    with pytest.raises(PermissionDenied):
        do_update_organisation_settings(other_staff["clinic_admin"], org, name="Renamed")
    assert snapshot(org) == before


def test_saving_without_a_change_writes_no_audit_entry(staff, org):
    do_update_organisation_settings(staff["clinic_admin"], org, name=org.name, minimum_age_years=18)

    assert not AuditEntry.objects.filter(object_type="clinics.organisation").exists()


@pytest.mark.parametrize("role", ["front_desk", "nurse", "prescriber", "therapist"])
def test_other_staff_get_403(signed_in, staff, org, role):
    client = signed_in(staff[role])
    assert client.get(reverse("clinics:settings")).status_code == 403
    assert client.post(reverse("clinics:settings"), settings_data(org, name="Renamed")).status_code == 403
    org.refresh_from_db()
    assert org.name == "Harbor"
