"""The public consultation request page: /c/<org>/request/."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.inquiries.models import Inquiry
from ketacare.inquiries.tests.conftest import boston, form_data, portland, upcoming

pytestmark = pytest.mark.django_db


def url(org) -> str:
    return reverse("inquiry_public:form", args=[org.slug])


def test_the_page_needs_no_sign_in_and_states_it_is_not_for_emergencies(client, org):
    org.locations.filter(name__endswith="Boston").update(is_active=False)
    response = client.get(url(org))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'class="crisis"', html)
    assert "not for emergencies" in html
    assert org.crisis_line in html
    assert f'href="{reverse("clinics:pages", args=[org.slug])}"' in html
    assert re.search(r'<input[^>]*name="website"[^>]*class="hp"|<input[^>]*class="hp"[^>]*name="website"', html)
    # Only the organisation's active locations are offered.
    assert "Harbor Portland" in html
    assert "Harbor Boston" not in html


def test_an_unknown_organisation_is_404(client, db):
    assert client.get("/c/nowhere/request/").status_code == 404


def test_a_valid_request_is_stored_with_windows_in_utc(client, org):
    july, december = upcoming(7, 15), upcoming(12, 1)
    response = client.post(
        url(org),
        form_data(
            preferred_location_id=str(portland(org).pk),
            window_1_date=july.isoformat(),
            window_1_start="09:00",
            window_1_end="12:00",
            window_2_date=december.isoformat(),
            window_2_start="09:00",
            window_2_end="12:00",
        ),
    )
    assert response.status_code == 200
    assert "We received your consultation request" in response.content.decode()
    inquiry = Inquiry.objects.get()
    assert (inquiry.organisation, inquiry.first_name, inquiry.phone) == (org, "Robin", "+15035550123")
    assert inquiry.reasons == ["depression", "anxiety"]
    assert inquiry.time_zone == "America/Los_Angeles"
    by_month = {window.starts_at.month: window for window in inquiry.windows.all()}
    summer, winter = by_month[7], by_month[12]
    # 09:00 in Los Angeles is 16:00 UTC in July (PDT) and 17:00 UTC in December (PST).
    assert summer.starts_at == dt.datetime.combine(july, dt.time(16), tzinfo=dt.UTC)
    assert summer.ends_at == dt.datetime.combine(july, dt.time(19), tzinfo=dt.UTC)
    assert winter.starts_at == dt.datetime.combine(december, dt.time(17), tzinfo=dt.UTC)
    created = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="inquiries.inquiry")
    assert (created.object_id, created.organisation_id, created.actor_id) == (str(inquiry.pk), org.pk, None)


def test_without_a_preferred_location_times_are_read_in_the_first_locations_zone(client, org):
    assert "with no preference, Harbor Portland time" in client.get(url(org)).content.decode()
    client.post(url(org), form_data())
    inquiry = Inquiry.objects.get()
    # Portland was the organisation's first location (conftest), Boston the second.
    assert inquiry.preferred_location is None
    assert inquiry.time_zone == "America/Los_Angeles"
    assert inquiry.windows.get().starts_at.hour == 17


def test_a_preferred_location_reads_times_in_its_zone(client, org):
    client.post(url(org), form_data(preferred_location_id=str(boston(org).pk)))
    window = Inquiry.objects.get().windows.get()
    assert window.starts_at == dt.datetime.combine(upcoming(12, 1), dt.time(14), tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"date_of_birth": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "date_of_birth", "in the future"),
        (
            {"date_of_birth": (dt.date.today() - dt.timedelta(days=17 * 365)).isoformat()},
            "date_of_birth",
            "aged 18 and over",
        ),
        ({"phone": "555-1234"}, "phone", "not a valid phone number"),
        ({"phone": "", "email": ""}, "phone", "phone number or an email address"),
        ({"consent_to_contact": None}, "consent_to_contact", "Tick this box"),
        ({"first_name": ""}, "first_name", "Enter your first name"),
    ],
)
def test_bad_answers_are_named_next_to_their_field_and_nothing_is_stored(client, org, changes, field, words):
    response = client.post(url(org), form_data(**changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert words in " ".join(errors[field])
    # Rendered next to the field, in plain words.
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Inquiry.objects.exists()
    assert not AuditEntry.objects.filter(object_type="inquiries.inquiry").exists()


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"window_1_start": "12:00", "window_1_end": "09:00"}, "Time 1: the to time must be later"),
        ({"window_1_date": (dt.date.today() - dt.timedelta(days=2)).isoformat()}, "Time 1: this day is in the past"),
        ({"window_1_date": "", "window_1_start": "", "window_1_end": ""}, "at least one day and time"),
    ],
)
def test_bad_windows_are_explained_above_the_rows(client, org, changes, words):
    response = client.post(url(org), form_data(**changes))
    assert any(words in message for message in response.context["form"].window_errors)
    assert 'id="windows_error"' in response.content.decode()
    assert not Inquiry.objects.exists()


def test_another_organisations_location_is_refused(client, org, other_org):
    theirs = other_org.locations.first()
    response = client.post(url(org), form_data(preferred_location_id=str(theirs.pk)))
    assert "one of this clinic's locations" in " ".join(response.context["form"].errors["preferred_location_id"])
    assert not Inquiry.objects.exists()


def test_a_repeat_within_a_day_updates_the_first_request(client, org):
    client.post(url(org), form_data())
    first = Inquiry.objects.get()
    later_day = upcoming(12, 2).isoformat()
    response = client.post(
        url(org),
        form_data(
            first_name="ROBIN",
            last_name="okafor",
            phone="",
            window_1_date=later_day,
            heard_about="A friend",
        ),
    )
    assert response.status_code == 200
    inquiry = Inquiry.objects.get()
    assert inquiry.pk == first.pk
    assert inquiry.submission_count == 2
    assert (inquiry.first_name, inquiry.phone, inquiry.heard_about) == ("ROBIN", "", "A friend")
    # The windows were replaced, not added to.
    assert [w.starts_at.date().isoformat() for w in inquiry.windows.all()] == [later_day]
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(inquiry.pk)).count() == 1


def test_a_repeat_matches_on_phone_when_the_email_differs(client, org):
    client.post(url(org), form_data())
    client.post(url(org), form_data(email="other@example.org"))
    assert Inquiry.objects.get().submission_count == 2


def test_a_request_after_a_day_or_from_someone_else_is_new(client, org):
    client.post(url(org), form_data())
    Inquiry.objects.update(submitted_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25))
    client.post(url(org), form_data())
    # Same name and birthday but no shared contact: a different person.
    client.post(url(org), form_data(email="someone@example.org", phone="(503) 555-0199"))
    client.post(url(org), form_data(date_of_birth="1985-03-15"))
    assert Inquiry.objects.count() == 4
    assert set(Inquiry.objects.values_list("submission_count", flat=True)) == {1}


def test_the_honeypot_looks_like_success_and_stores_nothing(client, org):
    response = client.post(url(org), form_data(website="http://spam.example"))
    assert response.status_code == 200
    assert "We received your consultation request" in response.content.decode()
    assert not Inquiry.objects.exists()
    assert not AuditEntry.objects.exists()


def test_the_confirmation_repeats_crisis_resources_for_suicidal_thoughts(client, org):
    plain = client.post(url(org), form_data()).content.decode()
    assert 'class="crisis"' not in plain
    urgent = client.post(url(org), form_data(reasons=["depression", "suicidal_thoughts"])).content.decode()
    assert 'class="crisis"' in urgent
    assert org.crisis_line in urgent and "thoughts of suicide" in urgent


def test_over_the_rate_limit_the_page_says_so_and_stores_nothing(client, org, settings):
    settings.INQUIRY_RATE_LIMIT = "1/h"
    assert client.post(url(org), form_data()).status_code == 200
    response = client.post(url(org), form_data(first_name="Sam", email="sam@example.org", phone=""))
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert list(Inquiry.objects.values_list("first_name", flat=True)) == ["Robin"]
    # Another address is not affected.
    assert (
        client.post(
            url(org), form_data(first_name="Sam", email="sam@example.org", phone=""), REMOTE_ADDR="198.51.100.7"
        ).status_code
        == 200
    )


def test_viewing_the_page_does_not_count_against_the_limit(client, org, settings):
    settings.INQUIRY_RATE_LIMIT = "1/h"
    for _ in range(3):
        client.get(url(org))
    assert client.post(url(org), form_data()).status_code == 200
