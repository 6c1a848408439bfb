"""The booking pages: book, refuse with a message naming the field, move, cancel, check in."""

from django.urls import reverse

from ketacare.scheduling.actions import booking
from ketacare.scheduling.models import Appointment, AppointmentStatus
from ketacare.scheduling.tests.booking_world import IV, boston


def form(clinic, patient, hour="09:00", **extra):
    return {
        "patient": patient.pk,
        "appointment_type": clinic.type(IV).pk,
        "location": clinic.location.pk,
        "start_date": clinic.day.isoformat(),
        "start_time": hour,
        **extra,
    }


def test_front_desk_books_in_the_locations_zone(signed_in, clinic, staff, patient):
    client = signed_in(staff["front_desk"])
    page = client.get(reverse("scheduling:book") + f"?patient={patient.pk}&location={clinic.location.pk}")
    assert page.status_code == 200
    response = client.post(reverse("scheduling:book"), form(clinic, patient))
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "scheduling:appointment_detail", args=[appointment.pk]
    )
    assert appointment.starts_at == boston(clinic.day, 9)
    detail = client.get(response.url).content.decode()
    assert "09:00–10:40" in detail and "Chair 1" in detail and "America/New_York" in detail


def test_a_conflicting_booking_is_refused_with_a_message(signed_in, clinic, staff, patient, second_patient):
    client = signed_in(staff["front_desk"])
    client.post(reverse("scheduling:book"), form(clinic, patient, chair=clinic.chair1.pk))
    response = client.post(reverse("scheduling:book"), form(clinic, second_patient, "10:00", chair=clinic.chair1.pk))
    assert response.status_code == 200
    assert "Chair 1 is already booked" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_a_chair_at_another_location_is_refused(signed_in, clinic, staff, patient):
    response = signed_in(staff["front_desk"]).post(
        reverse("scheduling:book"), {**form(clinic, patient), "location": clinic.portland.pk, "chair": clinic.chair1.pk}
    )
    assert response.status_code == 200 and "not Harbor Portland" in response.content.decode()
    assert not Appointment.objects.exists()


def test_move_cancel_and_check_in_pages(signed_in, clinic, staff, patient, second_patient):
    client = signed_in(staff["front_desk"])
    appointment = booking.do_book_appointment(
        staff["front_desk"],
        patient_id=patient.pk,
        appointment_type_id=clinic.type(IV).pk,
        location_id=clinic.location.pk,
        starts_at=boston(clinic.day, 9),
        chair_id=clinic.chair1.pk,
    )
    booking.do_book_appointment(
        staff["front_desk"],
        patient_id=second_patient.pk,
        appointment_type_id=clinic.type(IV).pk,
        location_id=clinic.location.pk,
        starts_at=boston(clinic.day, 13),
        chair_id=clinic.chair1.pk,
    )
    move = reverse("scheduling:appointment_move", args=[appointment.pk])
    clash = client.post(move, {"start_date": clinic.day.isoformat(), "start_time": "12:30", "chair": clinic.chair1.pk})
    assert clash.status_code == 200 and "Chair 1 is already booked" in clash.content.decode()
    assert client.post(move, {"start_date": clinic.day.isoformat(), "start_time": "10:00"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.starts_at == boston(clinic.day, 10)
    check_in = client.post(reverse("scheduling:appointment_check_in", args=[appointment.pk]), follow=True)
    assert "day of the appointment" in check_in.content.decode()
    cancel = reverse("scheduling:appointment_cancel", args=[appointment.pk])
    assert "required" in client.post(cancel, {"reason": ""}).content.decode()
    assert client.post(cancel, {"reason": "Unwell"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_access_denied(signed_in, clinic, staff, other_staff, patient):
    appointment = booking.do_book_appointment(
        staff["front_desk"],
        patient_id=patient.pk,
        appointment_type_id=clinic.type(IV).pk,
        location_id=clinic.location.pk,
        starts_at=boston(clinic.day, 9),
    )
    detail = reverse("scheduling:appointment_detail", args=[appointment.pk])
    assert signed_in(patient.user).get(detail).status_code == 403
    assert signed_in(patient.user).get(reverse("scheduling:book")).status_code == 403
    other = signed_in(other_staff["front_desk"])
    assert other.get(detail).status_code == 404
    cancel = reverse("scheduling:appointment_cancel", args=[appointment.pk])
    assert other.post(cancel, {"reason": "x"}).status_code == 404
    refused = other.post(reverse("scheduling:book"), form(clinic, patient))
    assert refused.status_code == 200 and Appointment.objects.count() == 1
