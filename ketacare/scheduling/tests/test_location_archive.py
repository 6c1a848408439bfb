"""A location is not archived, nor its time zone changed, while appointments are still to come there: the
check scheduling registers in clinics' hook (clinics/hooks.py), through the pages and the API."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinics.actions import LocationInUse, do_archive_location, do_update_location
from ketacare.scheduling.actions.booking import do_book_appointment
from ketacare.scheduling.models import Appointment, AppointmentStatus

API = "/api/v1/locations"


@pytest.fixture
def admin_client(signed_in, staff):
    return signed_in(staff["clinic_admin"])


@pytest.fixture
def booked_in_boston(clinic, staff, patient):
    """A consultation booked at Harbor Boston on the clinic's day (ahead), and one cancelled there."""
    consultation = clinic.type("consultation")
    booked = do_book_appointment(
        staff["front_desk"],
        patient_id=patient.pk,
        appointment_type_id=consultation.pk,
        location_id=clinic.location.pk,
        starts_at=clinic.at(9),
    )
    cancelled = do_book_appointment(
        staff["front_desk"],
        patient_id=patient.pk,
        appointment_type_id=consultation.pk,
        location_id=clinic.location.pk,
        starts_at=clinic.at(13),
    )
    Appointment.objects.filter(pk=cancelled.pk).update(status=AppointmentStatus.CANCELLED)
    return booked


def test_archiving_is_refused_while_appointments_are_booked_there_listing_them(
    admin_client, clinic, booked_in_boston, patient
):
    url = reverse("clinics:location_archive", args=[clinic.location.pk])

    response = admin_client.post(url)

    assert response.status_code == 409
    clinic.location.refresh_from_db()
    assert clinic.location.is_active
    listed = response.content.decode()
    detail = reverse("scheduling:appointment_detail", args=[booked_in_boston.pk])
    assert f'href="{detail}"' in listed and patient.full_name in listed
    # Only what is still to come: the cancelled one is not listed, and the time is Boston's, zone printed.
    assert listed.count('href="/scheduling/appointments/') == 1
    assert "09:00 EST" in listed


def test_a_time_zone_change_is_refused_while_appointments_are_booked_there(staff, clinic, booked_in_boston):
    with pytest.raises(LocationInUse) as refused:
        do_update_location(staff["clinic_admin"], clinic.location.pk, time_zone="America/Chicago")
    assert "time_zone" in refused.value.message_dict
    assert [item.url for item in refused.value.blocking] == [
        reverse("scheduling:appointment_detail", args=[booked_in_boston.pk])
    ]


def test_once_the_appointments_are_moved_away_the_location_is_archived_then_reopened(
    admin_client, staff, clinic, booked_in_boston
):
    Appointment.objects.filter(pk=booked_in_boston.pk).update(status=AppointmentStatus.CANCELLED)
    location = clinic.location

    assert admin_client.post(reverse("clinics:location_archive", args=[location.pk])).status_code == 302
    location.refresh_from_db()
    assert not location.is_active
    # Gone from booking and the public page.
    offered = admin_client.get(reverse("scheduling:book")).context["form"].fields["location"].queryset
    assert location not in offered and offered.exists()
    assert "Harbor Boston" not in admin_client.get(reverse("clinics:pages", args=["harbor"])).content.decode()

    assert admin_client.post(reverse("clinics:location_reopen", args=[location.pk])).status_code == 302
    location.refresh_from_db()
    assert location.is_active
    changes = AuditEntry.objects.filter(object_type="clinics.location", action=AuditAction.STATUS_CHANGE)
    assert [e.detail["is_active"] for e in changes.order_by("sequence")] == [False, True]


def test_a_past_appointment_does_not_stop_the_archive(staff, portland, patient, clinic):
    starts_at = timezone.now() - dt.timedelta(days=2)
    Appointment.objects.create(
        organisation=portland.organisation,
        location=portland,
        patient=patient,
        appointment_type=clinic.type("consultation"),
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
        created_by=staff["front_desk"],
    )

    assert do_archive_location(staff["clinic_admin"], portland.pk).is_active is False


def test_archive_with_appointments_to_come_is_a_409_listing_them(admin_client, staff, clinic, patient):
    booked = do_book_appointment(
        staff["front_desk"],
        patient_id=patient.pk,
        appointment_type_id=clinic.type("consultation").pk,
        location_id=clinic.location.pk,
        starts_at=clinic.at(10),
    )

    response = admin_client.post(f"{API}/{clinic.location.pk}/archive")

    assert response.status_code == 409
    assert [row["url"] for row in response.json()["still_booked"]] == [f"/scheduling/appointments/{booked.pk}/"]
    zone_change = admin_client.patch(
        f"{API}/{clinic.location.pk}", {"time_zone": "America/Chicago"}, content_type="application/json"
    )
    assert zone_change.status_code == 409
    clinic.location.refresh_from_db()
    assert clinic.location.is_active and clinic.location.time_zone == "America/New_York"
