"""Helpers for the consultation request tests: valid answers, dates ahead, a submit helper."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from ketacare.clinics.models import Location
from ketacare.inquiries.actions import do_submit_inquiry
from ketacare.inquiries.domain.validation import InquirySubmission, WindowRequest


@pytest.fixture(autouse=True)
def _fresh_rate_limits(_test_settings):
    """Rate-limit counters live in the cache; start every test with none."""
    cache.clear()
    yield
    cache.clear()


def upcoming(month: int, day: int) -> dt.date:
    """The next `month`/`day` at least two days from now (always within a year)."""
    soon = dt.date.today() + dt.timedelta(days=2)
    candidate = dt.date(soon.year, month, day)
    return candidate if candidate >= soon else dt.date(soon.year + 1, month, day)


def portland(org) -> Location:
    return org.locations.get(time_zone="America/Los_Angeles")


def boston(org) -> Location:
    return org.locations.get(time_zone="America/New_York")


def form_data(**overrides) -> dict:
    """A valid POST for the public page."""
    data = {
        "first_name": "Robin",
        "last_name": "Okafor",
        "date_of_birth": "1985-03-14",
        "phone": "(503) 555-0123",
        "email": "robin@example.org",
        "preferred_location_id": "",
        "window_1_date": upcoming(12, 1).isoformat(),
        "window_1_start": "09:00",
        "window_1_end": "12:00",
        "reasons": ["depression", "anxiety"],
        "reason_other": "",
        "current_treatment": "Sertraline 100 mg",
        "heard_about": "My GP",
        "consent_to_contact": "on",
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def api_body(org, **overrides) -> dict:
    """A valid JSON body for POST /api/v1/inquiries."""
    body = {
        "organisation": org.slug,
        "first_name": "Robin",
        "last_name": "Okafor",
        "date_of_birth": "1985-03-14",
        "phone": "(503) 555-0123",
        "email": "robin@example.org",
        "preferred_location_id": None,
        "windows": [{"date": upcoming(12, 1).isoformat(), "start_time": "09:00", "end_time": "12:00"}],
        "reasons": ["depression", "anxiety"],
        "reason_other": "",
        "current_treatment": "Sertraline 100 mg",
        "heard_about": "My GP",
        "consent_to_contact": True,
    }
    body.update(overrides)
    return body


@pytest.fixture
def submit():
    """submit(org, **fields) -> the stored Inquiry, made through the real action."""

    def make(org, *, windows=None, **fields):
        values = {
            "first_name": "Robin",
            "last_name": "Okafor",
            "date_of_birth": dt.date(1985, 3, 14),
            "phone": "+15035550123",
            "email": "robin@example.org",
            "reasons": ("depression",),
            "consent_to_contact": True,
        }
        values.update(fields)
        if windows is None:
            windows = [WindowRequest(upcoming(12, 1), dt.time(9), dt.time(12))]
        outcome = do_submit_inquiry(
            AnonymousUser(), organisation=org, submission=InquirySubmission(windows=tuple(windows), **values)
        )
        return outcome.inquiry

    return make
