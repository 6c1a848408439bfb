"""Course pages and the course API: book from a plan, no-fit alternatives, move, cancel the rest."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from ketacare.accounts.models import ApiToken
from ketacare.clinics.models import Location
from ketacare.scheduling.models import Appointment, Chair, Course
from ketacare.scheduling.tests.test_courses import (
    MORNINGS,
    book,
    build_clinic,
    equip_location,
)


@pytest.fixture
def clinic(org, staff, patient, make_treatment_plan):
    return build_clinic(org, staff, patient, make_treatment_plan)


def form_data(clinic, **extra):
    data = {
        "appointment_type": clinic["iv"].pk,
        "locations": [clinic["location"].pk],
        "days": ["mon", "tue", "wed", "thu", "fri", "sat"],
        "from_time": "08:00",
        "to_time": "13:00",
        "shift_days": 0,
    }
    data.update(extra)
    return data


def test_front_desk_books_a_course_from_the_plan_page(clinic, staff, signed_in):
    client = signed_in(staff["front_desk"])
    listing = client.get(reverse("scheduling:patient_courses", args=[clinic["patient"].pk]))
    assert reverse("scheduling:course_book", args=[clinic["plan"].pk]) in listing.content.decode()
    page = client.get(reverse("scheduling:course_book", args=[clinic["plan"].pk]))
    assert page.status_code == 200
    response = client.post(reverse("scheduling:course_book", args=[clinic["plan"].pk]), form_data(clinic))
    course = Course.objects.get()
    assert response.status_code == 302 and response.url == reverse("scheduling:course_detail", args=[course.pk])
    detail = client.get(response.url).content.decode()
    assert detail.count('class="status-booked"') == 6


def test_no_fit_shows_the_reason_and_bookable_alternatives(clinic, staff, signed_in):
    client = signed_in(staff["front_desk"])
    response = client.post(reverse("scheduling:course_book", args=[clinic["plan"].pk]), form_data(clinic, days=["sun"]))
    body = response.content.decode()
    assert "No full course fits" in body and "available days and times" in body
    assert "Book this" in body and not Appointment.objects.exists()
    # Picking "other times" books it.
    response = client.post(
        reverse("scheduling:course_book", args=[clinic["plan"].pk]), form_data(clinic, days=["sun"], any_time="on")
    )
    assert response.status_code == 302 and Appointment.objects.filter(status="booked").count() == 6


def test_move_page_refuses_a_move_that_breaks_the_course(clinic, staff, signed_in):
    course = book(staff["front_desk"], clinic)
    client = signed_in(staff["front_desk"])
    third = course.appointments.order_by("starts_at")[2]
    url = reverse("scheduling:course_session_move", args=[course.pk, third.pk])
    later = (third.starts_at + dt.timedelta(days=30)).astimezone(clinic["location"].zone)
    response = client.post(url, {"start_date": later.date().isoformat(), "start_time": "09:00"})
    assert response.status_code == 422 and "break the course" in response.content.decode()
    third.refresh_from_db()
    assert third.starts_at != later


def test_cancel_rest_page(clinic, staff, signed_in):
    course = book(staff["front_desk"], clinic)
    client = signed_in(staff["nurse"])
    response = client.post(reverse("scheduling:course_cancel_rest", args=[course.pk]), {"reason": "Declined"})
    assert response.status_code == 302
    assert not Appointment.objects.filter(status="booked").exists()


def test_pages_are_closed_to_other_organisations_and_patients(clinic, staff, other_staff, signed_in, client, patient):
    course = book(staff["front_desk"], clinic)
    signed_in(other_staff["front_desk"])
    assert client.get(reverse("scheduling:course_detail", args=[course.pk])).status_code == 404
    assert (
        client.post(reverse("scheduling:course_book", args=[clinic["plan"].pk]), form_data(clinic)).status_code == 404
    )
    signed_in(patient.user)
    assert client.get(reverse("scheduling:course_detail", args=[course.pk])).status_code == 403


# ---------------------------------------------------------------------------
# API


@pytest.fixture
def api(client, staff):
    secret = ApiToken.new_secret()
    ApiToken.objects.create(user=staff["front_desk"], name="t", token_sha256=ApiToken.hash(secret), prefix=secret[:8])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def call(method, path, body=None):
        return getattr(client, method)(
            f"/api/v1/scheduling/courses{path}", body, content_type="application/json", **headers
        )

    return call


def api_body(clinic, **extra):
    body = {
        "plan_id": clinic["plan"].pk,
        "appointment_type_id": clinic["iv"].pk,
        "location_ids": [clinic["location"].pk],
        "availability": MORNINGS,
    }
    body.update(extra)
    return body


def test_api_preview_book_move_and_cancel(clinic, api):
    preview = api(
        "post", "/preview", api_body(clinic, availability=[{"days": ["sun"], "from": "08:00", "to": "12:00"}])
    )
    assert preview.status_code == 200, preview.content
    assert preview.json()["fits"] is False and preview.json()["constraint"] == "patient_availability"
    assert preview.json()["alternatives"][0]["kind"] == "other_times"
    refused = api("post", "", api_body(clinic, availability=[{"days": ["sun"], "from": "08:00", "to": "12:00"}]))
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "course"]
    booked = api("post", "", api_body(clinic))
    assert booked.status_code == 201, booked.content
    course = booked.json()
    assert len(course["appointments"]) == 6
    again = api("post", "", api_body(clinic))
    assert again.status_code == 422
    third = course["appointments"][2]
    moved = api(
        "post",
        f"/appointments/{third['id']}/move",
        {"starts_at": (dt.datetime.fromisoformat(third["starts_at"]) + dt.timedelta(days=40)).isoformat()},
    )
    assert moved.status_code == 422 and "break the course" in moved.json()["detail"][0]["msg"]
    cancelled = api("post", f"/{course['id']}/cancel-rest", {"reason": "Patient request"})
    assert cancelled.status_code == 200
    assert {a["status"] for a in cancelled.json()["appointments"]} <= {"cancelled", "late_cancelled"}


def test_api_validates_input(clinic, api):
    assert (
        api("post", "", api_body(clinic, availability=[{"days": ["mon"], "from": "25:00", "to": "12:00"}])).status_code
        == 422
    )
    assert api("post", "", api_body(clinic, location_ids=[])).status_code == 422
    assert api("post", "", api_body(clinic, plan_id=2**63 - 1)).status_code == 404
    assert api("get", "/999999").status_code == 404
    assert not Appointment.objects.exists()


def test_an_offered_alternative_carries_the_patients_days(clinic, staff, signed_in, org):
    boston = Location.objects.get(organisation=org, name__endswith="Boston")
    equip_location(boston, staff)
    Chair.objects.filter(location=clinic["location"]).update(is_active=False)
    client = signed_in(staff["front_desk"])
    body = client.post(reverse("scheduling:course_book", args=[clinic["plan"].pk]), form_data(clinic)).content.decode()
    assert "Harbor Boston instead" in body
    # One hidden copy per offered alternative, plus the checkbox of the form itself.
    assert body.count('name="days" value="sat"') == len(re.findall("Book this", body)) + 1
