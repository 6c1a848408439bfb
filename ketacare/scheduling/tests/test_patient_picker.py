"""The booking page's patient field is the patient picker (patients/picker.py), not a `<select>` of every
patient: the page costs the same whatever the registry's size, the chosen patient's id is posted, and an
id of another organisation's patient is refused."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare.scheduling.models import Appointment


def picker_options(html: str) -> list[str]:
    return re.findall(r'<input type="radio" name="patient" value="(\d+)"', html)


def booking_page(client, org, count: int, make_patient) -> tuple[int, int]:
    """(queries, bytes) of the booking page with `count` patients registered."""
    existing = org.patients.count()
    for number in range(existing + 1, count + 1):
        make_patient(org, number)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("scheduling:book"))
    assert response.status_code == 200
    assert picker_options(response.content.decode()) == []
    return len(queries), len(response.content)


def test_the_booking_page_does_not_load_the_registry(client, org, staff, signed_in, make_patient):
    signed_in(staff["front_desk"])
    booking_page(client, org, 1, make_patient)  # warm: the first page load reads the session and settings
    few = booking_page(client, org, 3, make_patient)
    many = booking_page(client, org, 120, make_patient)
    assert few == many


def test_a_chosen_patient_is_shown_alone(client, org, staff, signed_in, make_patient):
    chosen = make_patient(org, 7)
    make_patient(org, 8)
    signed_in(staff["front_desk"])
    html = client.get(reverse("scheduling:book"), {"patient": chosen.pk}).content.decode()
    assert picker_options(html) == [str(chosen.pk)]
    assert chosen.last_name in html


def booking(clinic, patient) -> dict:
    return {
        "patient": patient.pk,
        "appointment_type": clinic.type("consultation").pk,
        "location": clinic.location.pk,
        "start_date": clinic.day.isoformat(),
        "start_time": "10:00",
    }


def test_the_booking_form_posts_the_chosen_patient(client, clinic, patient, staff, signed_in):
    signed_in(staff["front_desk"])
    response = client.post(reverse("scheduling:book"), booking(clinic, patient))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Appointment.objects.get().patient == patient


def test_another_organisations_patient_id_is_refused(client, clinic, other_org_patient, staff, signed_in):
    signed_in(staff["front_desk"])
    response = client.post(reverse("scheduling:book"), booking(clinic, other_org_patient))
    assert response.status_code == 200
    assert "choose one of your clinic" in response.content.decode()
    assert not Appointment.objects.exists()


def test_another_organisations_patient_is_not_shown_as_chosen(client, other_org_patient, staff, signed_in):
    signed_in(staff["front_desk"])
    html = client.get(reverse("scheduling:book"), {"patient": other_org_patient.pk}).content.decode()
    assert picker_options(html) == [] and other_org_patient.last_name not in html
