"""Converting a request warns about possible duplicates in the registry, as registration does (issue 14.8)."""

import datetime as dt

import pytest
from django.urls import reverse

from ketacare.inquiries.actions import do_convert_inquiry
from ketacare.inquiries.tests.test_staff_api import bearer
from ketacare.patients.actions import PossibleDuplicatePatients
from ketacare.patients.models import Patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def inquiry(org, submit):
    return submit(org)  # Robin Okafor, born 1985-03-14, +15035550123, robin@example.org


@pytest.fixture
def registered(org, make_patient):
    """Robin, registered already (by phone, with another email and birth date)."""
    return make_patient(org, 70, first_name="Rob", last_name="Okafor", phone="+15035550123", email="r@example.org")


def test_the_conversion_stops_at_a_possible_duplicate_until_confirmed(staff, inquiry, registered):
    with pytest.raises(PossibleDuplicatePatients) as warning:
        do_convert_inquiry(staff["front_desk"], inquiry.pk)
    assert warning.value.candidate_ids == [registered.pk]
    inquiry.refresh_from_db()
    assert inquiry.patient is None and Patient.objects.count() == 1
    patient = do_convert_inquiry(staff["front_desk"], inquiry.pk, confirm_not_duplicate=True)
    assert patient.date_of_birth == dt.date(1985, 3, 14)


def test_the_request_page_lists_the_duplicates_and_registers_when_confirmed(signed_in, staff, inquiry, registered):
    client = signed_in(staff["front_desk"])
    response = client.post(reverse("inquiries:convert", args=[inquiry.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("patients:detail", args=[registered.pk]) in page and "Register anyway" in page
    assert Patient.objects.count() == 1
    response = client.post(reverse("inquiries:convert", args=[inquiry.pk]), {"confirm_not_duplicate": "1"})
    created = Patient.objects.exclude(pk=registered.pk).get()
    assert response["Location"] == reverse("patients:detail", args=[created.pk])


def test_the_api_answers_409_with_the_candidates_until_confirmed(client, staff, inquiry, registered):
    headers = bearer(staff["front_desk"])
    response = client.post(f"/api/v1/inquiries/{inquiry.pk}/convert", **headers)
    assert response.status_code == 409
    assert [row["record_number"] for row in response.json()["candidates"]] == [registered.record_number]
    assert Patient.objects.count() == 1
    response = client.post(f"/api/v1/inquiries/{inquiry.pk}/convert?confirm_not_duplicate=true", **headers)
    assert response.status_code == 201
