"""The public submission through the API: POST /api/v1/inquiries (no authentication)."""

import datetime as dt

import pytest
from django.test import Client

from ketacare.audit.models import AuditEntry
from ketacare.inquiries.models import Inquiry
from ketacare.inquiries.tests.conftest import api_body, form_data, portland, upcoming

pytestmark = pytest.mark.django_db
URL = "/api/v1/inquiries"


@pytest.fixture
def api():
    # A stranger's client: no session, and CSRF enforced as for a real browser.
    return Client(enforce_csrf_checks=True)


def post(api, body):
    return api.post(URL, body, content_type="application/json")


def test_a_valid_request_is_stored_with_windows_in_utc(api, org):
    july, december = upcoming(7, 15), upcoming(12, 1)
    response = post(
        api,
        api_body(
            org,
            preferred_location_id=portland(org).pk,
            windows=[
                {"date": july.isoformat(), "start_time": "09:00", "end_time": "12:00"},
                {"date": december.isoformat(), "start_time": "09:00", "end_time": "12:00"},
            ],
        ),
    )
    assert response.status_code == 201, response.content
    inquiry = Inquiry.objects.get()
    assert response.json()["received"] is True
    assert inquiry.status == "new"
    assert inquiry.phone == "+15035550123"
    by_month = {window.starts_at.month: window for window in inquiry.windows.all()}
    assert by_month[7].starts_at == dt.datetime.combine(july, dt.time(16), tzinfo=dt.UTC)
    assert by_month[12].starts_at == dt.datetime.combine(december, dt.time(17), tzinfo=dt.UTC)


def test_a_repeat_within_a_day_updates_and_answers_exactly_as_a_first_request(api, org):
    first = post(api, api_body(org))
    response = post(api, api_body(org, first_name="robin", reasons=["ptsd"]))
    # Same status and body: the answer must not reveal that this person asked before.
    assert (response.status_code, response.json()) == (first.status_code, first.json())
    inquiry = Inquiry.objects.get()
    assert (inquiry.reasons, inquiry.submission_count) == (["ptsd"], 2)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date_of_birth": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "date_of_birth"),
        ({"date_of_birth": (dt.date.today() - dt.timedelta(days=17 * 365)).isoformat()}, "date_of_birth"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "", "email": ""}, "email"),
        ({"consent_to_contact": False}, "consent_to_contact"),
        ({"windows": [{"date": upcoming(12, 1).isoformat(), "start_time": "12:00", "end_time": "09:00"}]}, "windows"),
        ({"windows": []}, "windows"),
        ({"reasons": ["astrology"]}, "reasons"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_stores_nothing(api, org, changes, field):
    response = post(api, api_body(org, **changes))
    assert response.status_code == 422
    assert ["body", field] in [error["loc"] for error in response.json()["detail"]]
    assert not Inquiry.objects.exists()


def test_another_organisations_location_is_422(api, org, other_org):
    response = post(api, api_body(org, preferred_location_id=other_org.locations.first().pk))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "preferred_location_id"]
    assert not Inquiry.objects.exists()


def test_the_page_and_the_api_give_the_same_messages(api, client, org):
    """One set of rules: the same broken answers get the same words on both."""
    too_young = (dt.date.today() - dt.timedelta(days=17 * 365)).isoformat()
    api_errors = post(api, api_body(org, date_of_birth=too_young, phone="12345")).json()["detail"]
    page_errors = (
        client.post(f"/c/{org.slug}/request/", form_data(date_of_birth=too_young, phone="12345")).context["form"].errors
    )
    for field in ("date_of_birth", "phone"):
        assert [e["msg"] for e in api_errors if e["loc"] == ["body", field]] == page_errors[field]


def test_an_unknown_organisation_is_404(api, org):
    assert post(api, api_body(org, organisation="nowhere")).status_code == 404


def test_malformed_input_is_refused_not_a_500(api, org):
    response = api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert post(api, api_body(org, date_of_birth="1985-02-30")).status_code == 422
    assert not Inquiry.objects.exists()


def test_the_honeypot_answers_201_and_stores_nothing(api, org):
    response = post(api, api_body(org, website="http://spam.example"))
    assert response.status_code == 201
    assert response.json()["received"] is True
    assert not Inquiry.objects.exists()
    assert not AuditEntry.objects.exists()


def test_over_the_rate_limit_it_is_429_and_stores_nothing(api, org, settings):
    settings.INQUIRY_RATE_LIMIT = "2/h"
    assert post(api, api_body(org)).status_code == 201
    assert post(api, api_body(org, first_name="Sam", email="sam@example.org", phone="")).status_code == 201
    response = post(api, api_body(org, first_name="Kim", email="kim@example.org", phone=""))
    assert response.status_code == 429
    assert "Too many requests" in response.json()["detail"]
    assert Inquiry.objects.count() == 2
    assert not Inquiry.objects.filter(first_name="Kim").exists()


def test_the_page_and_the_api_share_one_limit(api, client, org, settings):
    settings.INQUIRY_RATE_LIMIT = "1/h"
    client.post(f"/c/{org.slug}/request/", form_data())
    assert post(api, api_body(org, first_name="Sam")).status_code == 429


def test_a_request_without_a_client_address_is_still_limited_not_a_500(api, org, settings):
    settings.INQUIRY_RATE_LIMIT = "1/h"
    assert api.post(URL, api_body(org), content_type="application/json", REMOTE_ADDR="").status_code == 201
    response = api.post(URL, api_body(org, first_name="Sam"), content_type="application/json", REMOTE_ADDR="")
    assert response.status_code == 429


def test_forged_forwarded_for_entries_do_not_escape_the_limit(api, org, settings):
    # One trusted proxy: it appends the real sender; whatever the sender put to its left is its own.
    settings.TRUSTED_PROXY_HOPS = 1
    settings.INQUIRY_RATE_LIMIT = "2/h"
    statuses = [
        api.post(
            URL,
            api_body(org, first_name=f"Sam{number}"),
            content_type="application/json",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{number}, 198.51.100.7",
        ).status_code
        for number in range(4)
    ]
    assert statuses == [201, 201, 429, 429]
    assert set(AuditEntry.objects.exclude(source_address=None).values_list("source_address", flat=True)) <= {
        "198.51.100.7"
    }
