"""Search by phone, email and US-format birth dates, and the patient picker's search (patients/picker.py;
the picker on the booking page is tested in scheduling/tests/test_patient_picker.py)."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from ketacare.patients import actions
from ketacare.patients.picker import PICKER_LIMIT
from ketacare.patients.selectors import search_patients


@pytest.fixture
def front_desk(staff):
    return staff["front_desk"]


def register(actor, **fields):
    values = {"first_name": "Alex", "last_name": "Example", "date_of_birth": dt.date(1985, 3, 4)}
    values.update(fields)
    return actions.do_register_patient(actor, organisation=actor.organisation, **values)


@pytest.mark.parametrize("query", ["(503) 555-0123", "503-555-0123", "5035550123", "+1 503 555 0123", "1.503.555.0123"])
def test_a_phone_number_in_any_format_finds_its_patient(front_desk, query):
    ana = register(front_desk, first_name="Ana", phone="503.555.0123")
    register(front_desk, first_name="Bo", phone="(503) 555-0124")
    assert ana.phone == "+15035550123"
    assert search_patients(front_desk, query) == [ana]


@pytest.mark.parametrize("query", ["ana.lima@example.org", "Ana.Lima@Example.ORG", "  ana.lima@example.org "])
def test_an_email_address_finds_its_patient_whatever_its_case(front_desk, query):
    ana = register(front_desk, first_name="Ana", email="Ana.Lima@example.org")
    register(front_desk, first_name="Bo", email="lima@example.org")
    assert search_patients(front_desk, query) == [ana]


@pytest.mark.parametrize("query", ["04/02/1990", "4/2/1990", "04-02-1990", "04.02.1990", "1990-04-02"])
def test_a_us_birth_date_is_month_first(front_desk, query):
    april = register(front_desk, first_name="April", date_of_birth=dt.date(1990, 4, 2))
    register(front_desk, first_name="February", date_of_birth=dt.date(1990, 2, 4))
    assert search_patients(front_desk, query) == [april]


@pytest.mark.parametrize("query", ["13/02/1990", "02/30/1990", "4/2-1990"])
def test_a_date_that_is_no_day_finds_nobody_and_raises_nothing(front_desk, query):
    register(front_desk, date_of_birth=dt.date(1990, 2, 13))
    assert search_patients(front_desk, query) == []


def test_another_organisations_phone_and_email_are_never_found(front_desk, other_staff):
    register(other_staff["front_desk"], phone="503-555-0123", email="hidden@example.org")
    assert search_patients(front_desk, "503-555-0123") == []
    assert search_patients(front_desk, "hidden@example.org") == []


# ---------------------------------------------------------------- the picker on the booking page


def picker_options(html: str) -> list[str]:
    return re.findall(r'<input type="radio" name="patient" value="(\d+)"', html)


def test_the_picker_search_returns_a_bounded_list_and_keeps_the_choice(
    client, org, front_desk, signed_in, make_patient
):
    patients = [make_patient(org, number) for number in range(1, PICKER_LIMIT + 6)]
    chosen = patients[-1]
    signed_in(front_desk)
    url = reverse("patients:picker")
    response = client.get(url, {"field": "patient", "patient_search": "pat", "patient": chosen.pk})
    html = response.content.decode()
    options = picker_options(html)
    assert options[0] == str(chosen.pk) and "checked" in html.split(options[0], 1)[1][:20]
    assert len(options) <= PICKER_LIMIT + 1 and "type more" in html
    assert picker_options(client.get(url, {"field": "patient", "patient_search": "zzz"}).content.decode()) == []
    found = client.get(url, {"field": "patient", "patient_search": patients[2].date_of_birth.strftime("%m/%d/%Y")})
    assert picker_options(found.content.decode()) == [str(patients[2].pk)]


def test_the_picker_never_shows_another_organisations_patient(
    client, org, other_org, front_desk, signed_in, make_patient
):
    theirs = make_patient(other_org, 9, first_name="Hidden")
    signed_in(front_desk)
    response = client.get(
        reverse("patients:picker"), {"field": "patient", "patient_search": "hidden", "patient": theirs.pk}
    )
    assert picker_options(response.content.decode()) == []
    assert "Hidden" not in response.content.decode()
