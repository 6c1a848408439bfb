"""No-shows and late cancellations: recorded by staff who book, audited, counted per patient."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ketacare.audit.models import AuditEntry
from ketacare.scheduling.actions import attendance, booking
from ketacare.scheduling.models import AppointmentStatus, SchedulingSettings
from ketacare.scheduling.selectors.attendance import access_attendance_by_patient_id
from ketacare.scheduling.tests.test_reminders_support import make_appointment

pytestmark = pytest.mark.django_db
API = "/api/v1/scheduling"


@pytest.fixture
def booked(org, patient, staff):
    return lambda hours_ahead, **kw: make_appointment(org, patient, staff["front_desk"], hours_ahead=hours_ahead, **kw)


def test_front_desk_marks_a_no_show_audited_and_counted(booked, staff, patient):
    appointment = booked(-2)
    marked = attendance.do_mark_no_show(staff["front_desk"], appointment.pk, reason="Did not answer the phone")
    assert marked.status == AppointmentStatus.NO_SHOW and marked.status_changed_by == staff["front_desk"]
    entry = AuditEntry.objects.filter(object_type="scheduling.appointment", action="status_change").get()
    assert entry.patient_id == patient.pk and entry.detail["status"] == "no_show" and entry.detail["from"] == "booked"
    summary = access_attendance_by_patient_id(staff["nurse"], patient.pk)
    assert (summary.no_shows, summary.late_cancellations, summary.cancellations) == (1, 0, 0)
    assert summary.history == [marked]


@pytest.mark.parametrize(
    "hours_ahead, status, field",
    [
        (2, AppointmentStatus.BOOKED, "starts_at"),  # not started yet
        (-2, AppointmentStatus.CANCELLED, "status"),
        (-2, AppointmentStatus.COMPLETED, "status"),
    ],
)
def test_a_no_show_needs_a_booked_appointment_that_has_started(booked, staff, hours_ahead, status, field):
    appointment = booked(hours_ahead, status=status)
    with pytest.raises(ValidationError) as caught:
        attendance.do_mark_no_show(staff["front_desk"], appointment.pk)
    assert field in caught.value.message_dict
    appointment.refresh_from_db()
    assert appointment.status == status and not AuditEntry.objects.filter(action="status_change").exists()


def test_no_show_access(booked, staff, other_staff, patient):
    appointment = booked(-2)
    with pytest.raises(Http404):
        attendance.do_mark_no_show(other_staff["front_desk"], appointment.pk)
    with pytest.raises(PermissionDenied):
        attendance.do_mark_no_show(patient.user, appointment.pk)
    with pytest.raises(Http404):
        access_attendance_by_patient_id(other_staff["nurse"], patient.pk)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_late_cancellations_by_the_clinics_policy_are_counted(org, booked, staff, patient):
    """Cancelling is booking's action (booking.do_cancel_appointment); attendance counts what it records."""
    booking.do_cancel_appointment(staff["front_desk"], booked(10).pk, reason="Unwell")
    booking.do_cancel_appointment(staff["front_desk"], booked(30).pk, reason="Travelling")
    SchedulingSettings.objects.filter(organisation=org).update(late_cancellation_hours=48)
    booking.do_cancel_appointment(staff["front_desk"], booked(30).pk, reason="Travelling")
    summary = access_attendance_by_patient_id(staff["front_desk"], patient.pk)
    assert (summary.no_shows, summary.late_cancellations, summary.cancellations) == (0, 2, 1)
    assert {a.status_reason for a in summary.history} == {"Unwell", "Travelling"}


def test_reason_too_long_changes_nothing(booked, staff):
    appointment = booked(-2)
    with pytest.raises(ValidationError) as caught:
        attendance.do_mark_no_show(staff["front_desk"], appointment.pk, reason="x" * 2001)
    assert "reason" in caught.value.message_dict
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_attendance_page_counts_and_marks(signed_in, booked, staff, patient):
    past, upcoming = booked(-2), booked(10)
    client = signed_in(staff["front_desk"])
    page = client.get(f"/scheduling/attendance/patients/{patient.pk}/")
    assert page.status_code == 200 and "Mark no-show" in page.content.decode()
    response = client.post(f"/scheduling/attendance/appointments/{past.pk}/no-show/", {"reason": ""})
    assert response.status_code == 302 and response["Location"] == f"/scheduling/attendance/patients/{patient.pk}/"
    booking.do_cancel_appointment(staff["front_desk"], upcoming.pk, reason="Unwell")
    page = client.get(f"/scheduling/attendance/patients/{patient.pk}/").content.decode()
    assert "<tr><th>No-shows</th><td>1</td></tr>" in page
    assert "<tr><th>Late cancellations</th><td>1</td></tr>" in page
    # A second attempt is refused with a message naming the field, and nothing changes.
    again = client.post(f"/scheduling/attendance/appointments/{past.pk}/no-show/", follow=True).content.decode()
    assert "Status: Only a booked appointment" in again


def test_attendance_page_access(signed_in, staff, other_staff, patient, booked):
    appointment = booked(-2)
    assert signed_in(other_staff["front_desk"]).get(f"/scheduling/attendance/patients/{patient.pk}/").status_code == 404
    assert signed_in(patient.user).get(f"/scheduling/attendance/patients/{patient.pk}/").status_code == 403
    assert (
        signed_in(patient.user).post(f"/scheduling/attendance/appointments/{appointment.pk}/no-show/").status_code
        == 403
    )
    assert (
        signed_in(other_staff["front_desk"])
        .post(f"/scheduling/attendance/appointments/{appointment.pk}/no-show/")
        .status_code
        == 404
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_api_no_show_and_counts(signed_in, staff, other_staff, patient, booked):
    past, future = booked(-2), booked(5)
    api = signed_in(staff["front_desk"])
    response = api.post(f"{API}/appointments/{past.pk}/no-show", {"reason": "No call"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "no_show" and response.json()["status_reason"] == "No call"
    refused = api.post(f"{API}/appointments/{future.pk}/no-show", {}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "starts_at"
    booking.do_cancel_appointment(staff["front_desk"], future.pk, reason="Unwell")
    counts = api.get(f"{API}/patients/{patient.pk}/attendance").json()
    assert counts == {
        "patient_id": patient.pk,
        "no_shows": 1,
        "late_cancellations": 1,
        "cancellations": 0,
        "attended": 0,
    }
    assert signed_in(other_staff["front_desk"]).get(f"{API}/patients/{patient.pk}/attendance").status_code == 404
    assert api.post(f"{API}/appointments/999999/no-show", {}, content_type="application/json").status_code == 404
