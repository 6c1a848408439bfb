"""Resource management by the clinic admin: hours, closed dates, chairs, staff, types, settings."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ketacare.audit.models import AuditEntry
from ketacare.clinics.models import Location
from ketacare.scheduling.actions import resources
from ketacare.scheduling.models import (
    AppointmentType,
    Chair,
    ClosedDate,
    OpeningHours,
    SchedulingSettings,
    StaffException,
    StaffShift,
    StaffSkill,
)


@pytest.fixture
def boston(org):
    return Location.objects.get(organisation=org, name="Harbor Boston")


@pytest.fixture
def admin(signed_in, staff):
    return signed_in(staff["clinic_admin"])


def test_only_the_clinic_admin_reaches_resource_pages(signed_in, staff, boston, patient):
    pages = [
        reverse("scheduling:resources"),
        reverse("scheduling:location_resources", args=[boston.pk]),
        reverse("scheduling:staff_resources", args=[staff["nurse"].pk]),
        reverse("scheduling:type_list"),
        reverse("scheduling:settings"),
    ]
    for url in pages:
        assert signed_in(staff["clinic_admin"]).get(url).status_code == 200, url
        assert signed_in(staff["front_desk"]).get(url).status_code == 403, url
        assert signed_in(patient.user).get(url).status_code == 403, url


def test_other_organisation_admin_gets_404(signed_in, other_staff, boston, staff):
    client = signed_in(other_staff["clinic_admin"])
    assert client.get(reverse("scheduling:location_resources", args=[boston.pk])).status_code == 404
    assert client.get(reverse("scheduling:staff_resources", args=[staff["nurse"].pk])).status_code == 404
    response = client.post(reverse("scheduling:chair_add", args=[boston.pk]), {"name": "Sneaky", "supports_iv": "on"})
    assert response.status_code == 404 and not Chair.objects.exists()


def test_opening_hours_and_closed_dates(admin, boston):
    url = reverse("scheduling:opening_hours_set", args=[boston.pk])
    assert admin.post(url, {"weekday": 0, "opens_at": "08:00", "closes_at": "17:30"}).status_code == 302
    hours = OpeningHours.objects.get(location=boston, weekday=0)
    assert (hours.opens_at, hours.closes_at) == (dt.time(8), dt.time(17, 30))
    refused = admin.post(url, {"weekday": 0, "opens_at": "18:00", "closes_at": "08:00"})
    assert refused.status_code == 200 and "Closing must be after opening" in refused.content.decode()
    assert OpeningHours.objects.get(location=boston, weekday=0).closes_at == dt.time(17, 30)
    assert admin.post(url, {"weekday": 0, "opens_at": "", "closes_at": ""}).status_code == 302
    assert not OpeningHours.objects.filter(location=boston, weekday=0).exists()

    closed_url = reverse("scheduling:closed_date_add", args=[boston.pk])
    assert admin.post(closed_url, {"date": "2027-07-05", "reason": "Independence Day"}).status_code == 302
    again = admin.post(closed_url, {"date": "2027-07-05"})
    assert "already closed" in again.content.decode() and ClosedDate.objects.count() == 1
    closed = ClosedDate.objects.get()
    assert admin.post(reverse("scheduling:closed_date_remove", args=[closed.pk])).status_code == 302
    assert not ClosedDate.objects.exists()


def test_chairs_say_what_they_support(admin, boston):
    url = reverse("scheduling:chair_add", args=[boston.pk])
    assert admin.post(url, {"name": "Chair A", "supports_esketamine": "on", "is_active": "on"}).status_code == 302
    chair = Chair.objects.get()
    assert (chair.supports_iv, chair.supports_esketamine, chair.is_active) == (False, True, True)
    duplicate = admin.post(url, {"name": "Chair A"})
    assert "already has a chair" in duplicate.content.decode() and Chair.objects.count() == 1
    edit = reverse("scheduling:chair_edit", args=[chair.pk])
    assert admin.post(edit, {"name": "Chair A", "supports_iv": "on"}).status_code == 302
    chair.refresh_from_db()
    assert (chair.supports_iv, chair.supports_esketamine, chair.is_active) == (True, False, False)
    assert AuditEntry.objects.filter(object_type="scheduling.chair").count() == 2


def test_staff_skills_shifts_and_leave(admin, staff, boston):
    nurse = staff["nurse"]
    assert (
        admin.post(
            reverse("scheduling:staff_skills", args=[nurse.pk]), {"skills": ["monitor", "administer_iv"]}
        ).status_code
        == 302
    )
    assert sorted(StaffSkill.objects.filter(user=nurse).values_list("skill", flat=True)) == ["administer_iv", "monitor"]
    shift_url = reverse("scheduling:shift_add", args=[nurse.pk])
    body = {"location": boston.pk, "weekday": 2, "starts_at": "08:00", "ends_at": "16:00"}
    assert admin.post(shift_url, body).status_code == 302
    overlap = admin.post(shift_url, {**body, "starts_at": "12:00", "ends_at": "18:00"})
    assert "overlaps" in overlap.content.decode() and StaffShift.objects.count() == 1
    backwards = admin.post(shift_url, {**body, "weekday": 3, "starts_at": "16:00", "ends_at": "08:00"})
    assert "end after it starts" in backwards.content.decode() and StaffShift.objects.count() == 1

    leave = {
        "is_available": "0",
        "location": boston.pk,
        "start_date": "2027-02-01",
        "start_time": "00:00",
        "end_date": "2027-02-05",
        "end_time": "23:59",
        "reason": "Vacation",
    }
    assert admin.post(reverse("scheduling:exception_add", args=[nurse.pk]), leave).status_code == 302
    exception = StaffException.objects.get()
    # Entered in Boston time: midnight EST is 05:00 UTC; leave is stored without a location.
    assert exception.starts_at.astimezone(dt.UTC).hour == 5 and exception.location is None
    assert admin.post(reverse("scheduling:exception_remove", args=[exception.pk])).status_code == 302
    shift = StaffShift.objects.get()
    assert admin.post(reverse("scheduling:shift_remove", args=[shift.pk])).status_code == 302
    assert not StaffShift.objects.exists() and not StaffException.objects.exists()


def test_appointment_types_defaults_and_edit(admin, org):
    assert admin.post(reverse("scheduling:type_defaults")).status_code == 302
    names = set(AppointmentType.objects.filter(organisation=org).values_list("name", flat=True))
    assert names == {
        "Consultation",
        "IV infusion",
        "Esketamine session",
        "IM session",
        "Sublingual session",
        "Integration therapy",
        "Follow-up",
    }
    iv = AppointmentType.objects.get(organisation=org, name="IV infusion")
    form = {
        "kind": "iv_infusion",
        "name": "IV infusion",
        "preparation_minutes": 20,
        "duration_minutes": 40,
        "recovery_minutes": 60,
        "turnover_minutes": 10,
        "chair": "iv",
        "needs_monitoring": "on",
        "clinician_skill": "",
        "patient_instructions": "Bring a driver.",
        "is_active": "on",
    }
    assert admin.post(reverse("scheduling:type_edit", args=[iv.pk]), form).status_code == 302
    iv.refresh_from_db()
    assert (iv.patient_minutes, iv.chair_minutes) == (120, 130)
    duplicate = admin.post(reverse("scheduling:type_list"), {**form, "kind": "follow_up"})
    assert duplicate.status_code == 200 and AppointmentType.objects.filter(name="IV infusion").count() == 1


def test_settings_validate_the_ratio(admin, staff, org):
    url = reverse("scheduling:settings")
    body = {
        "chairs_per_nurse": 3,
        "first_reminder_hours": 48,
        "second_reminder_hours": 24,
        "late_cancellation_hours": 24,
        "solver_time_limit_seconds": 10,
        "slot_minutes": 15,
    }
    assert admin.post(url, body).status_code == 302
    assert SchedulingSettings.objects.get(organisation=org).chairs_per_nurse == 3
    assert SchedulingSettings.objects.get(organisation=org).prescriber_on_site_for_iv is False
    refused = admin.post(url, {**body, "chairs_per_nurse": 0, "slot_minutes": 7})
    assert refused.status_code == 200
    assert SchedulingSettings.objects.get(organisation=org).chairs_per_nurse == 3
    with pytest.raises(PermissionDenied):
        resources.do_update_scheduling_settings(staff["nurse"], chairs_per_nurse=9)
    with pytest.raises(ValidationError):
        resources.do_update_scheduling_settings(staff["clinic_admin"], organisation_id=99)
