"""Registration warns about possible duplicates (issue 14.8): the same name (case and accents aside) and
birth date, the same email or the same phone in any format. Nothing is created until the user confirms."""

import datetime as dt

import pytest
from django.urls import reverse

from ketacare.audit.models import AuditAction
from ketacare.patients import actions
from ketacare.patients.models import Patient

BASE = "/api/v1/patients"


@pytest.fixture
def dana(org, make_patient):
    """An existing record: Dana Núñez, born 1990-04-02, +1 503 555 0142, dana@example.org."""
    return make_patient(
        org,
        40,
        first_name="Dana",
        last_name="Núñez",
        date_of_birth=dt.date(1990, 4, 2),
        phone="+15035550142",
        email="Dana@Example.org",
    )


def register(user, confirm=False, **fields):
    values = {"first_name": "Someone", "last_name": "Else", "date_of_birth": dt.date(1971, 7, 7)}
    values.update(fields)
    return actions.do_register_patient(user, organisation=user.organisation, confirm_not_duplicate=confirm, **values)


@pytest.mark.parametrize(
    "fields",
    [
        {"first_name": "DANA", "last_name": "nunez", "date_of_birth": dt.date(1990, 4, 2)},
        {"phone": "(503) 555-0142"},
        {"email": "dana@EXAMPLE.org"},
    ],
    ids=["name and birth date", "phone in another format", "email"],
)
def test_a_possible_duplicate_stops_the_registration(staff, dana, fields):
    with pytest.raises(actions.PossibleDuplicatePatients) as warning:
        register(staff["front_desk"], **fields)
    assert warning.value.candidate_ids == [dana.pk]
    assert "confirm_not_duplicate" in warning.value.message_dict
    assert dana.record_number in warning.value.message_dict["confirm_not_duplicate"][0]
    assert Patient.objects.count() == 1


def test_the_same_name_born_another_day_is_not_a_duplicate(staff, dana):
    patient = register(staff["front_desk"], first_name="Dana", last_name="Nunez", date_of_birth=dt.date(1990, 4, 3))
    assert patient.pk != dana.pk


def test_another_organisations_patient_and_a_merged_record_are_not_duplicates(staff, other_org, make_patient, dana):
    make_patient(other_org, 41, first_name="Robin", last_name="Hale", date_of_birth=dt.date(1985, 1, 1))
    survivor = make_patient(dana.organisation, 42)
    Patient.objects.filter(pk=dana.pk).update(merged_into=survivor)
    register(staff["front_desk"], first_name="Robin", last_name="Hale", date_of_birth=dt.date(1985, 1, 1))
    register(staff["front_desk"], phone="503-555-0142")
    assert Patient.objects.count() == 5


def test_confirming_registers_anyway_and_audits_the_warning(staff, dana, audit_entries):
    patient = register(staff["front_desk"], confirm=True, phone="503.555.0142")
    assert patient.phone == "+15035550142"
    [created] = audit_entries(patient=patient, action=AuditAction.CREATE)
    assert created.detail["confirmed_not_duplicate_of"] == [dana.record_number]


def test_the_page_lists_the_duplicates_with_links_and_asks_to_confirm(signed_in, staff, dana, audit_entries):
    client = signed_in(staff["front_desk"])
    data = {"first_name": "dana", "last_name": "NÚÑEZ", "date_of_birth": "1990-04-02", "country": "US"}
    response = client.post(reverse("patients:create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("patients:detail", args=[dana.pk]) in page
    assert dana.record_number in page and "Register anyway" in page
    assert Patient.objects.count() == 1
    assert audit_entries(action=AuditAction.LIST, object_type="patients.patient")[-1].detail == {
        "report": "possible_duplicates",
        "results": 1,
    }
    response = client.post(reverse("patients:create"), {**data, "confirm_not_duplicate": "on"})
    created = Patient.objects.exclude(pk=dana.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("patients:detail", args=[created.pk])


def test_the_api_answers_409_with_the_candidates_until_confirmed(signed_in, staff, dana):
    client = signed_in(staff["front_desk"])
    body = {"first_name": "Pat", "last_name": "Other", "date_of_birth": "1970-01-01", "phone": "+1 503 555 0142"}
    response = client.post(BASE, body, content_type="application/json")
    assert response.status_code == 409
    assert [candidate["record_number"] for candidate in response.json()["candidates"]] == [dana.record_number]
    assert "confirm" in response.json()["detail"]
    assert Patient.objects.count() == 1
    response = client.post(f"{BASE}?confirm_not_duplicate=true", body, content_type="application/json")
    assert response.status_code == 201
    assert Patient.objects.count() == 2
