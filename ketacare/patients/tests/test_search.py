"""Registry search: by name prefix, date of birth and record number, within one organisation."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.patients import actions
from ketacare.patients.selectors import search_patient_summaries, search_patients


@pytest.fixture
def front_desk(staff):
    return staff["front_desk"]


def register(actor, **fields):
    values = {"first_name": "Alex", "last_name": "Example", "date_of_birth": dt.date(1985, 3, 4)}
    values.update(fields)
    return actions.do_register_patient(actor, organisation=actor.organisation, **values)


def names(patients):
    return [p.full_name for p in patients]


def test_a_name_prefix_ignores_case_and_accents(front_desk):
    zoe = register(front_desk, first_name="Zoë", last_name="Łukasik")
    register(front_desk, first_name="Zachary", last_name="Young")
    assert names(search_patients(front_desk, "zoe")) == [zoe.full_name]
    assert names(search_patients(front_desk, "ZO")) == [zoe.full_name]
    assert names(search_patients(front_desk, "lukas")) == [zoe.full_name]


def test_a_name_matches_first_or_last_name_from_the_start_only(front_desk):
    register(front_desk, first_name="Maria", last_name="Garcia")
    register(front_desk, first_name="Garrett", last_name="Lee")
    register(front_desk, first_name="Tom", last_name="Agar")
    assert names(search_patients(front_desk, "gar")) == ["Maria Garcia", "Garrett Lee"]


@pytest.mark.parametrize("query", ["Jane Doe", "doe jane", "Jan D", "Jane van der", "jane van der berg"])
def test_a_full_name_matches_in_either_order(front_desk, query):
    register(front_desk, first_name="Jane", last_name="van der Berg")
    register(front_desk, first_name="Jane", last_name="Doe")
    register(front_desk, first_name="Doe", last_name="Smith")
    found = names(search_patients(front_desk, query))
    expected = "Jane Doe" if "doe" in query.lower() or query.endswith(" D") else "Jane van der Berg"
    assert found == [expected]


def test_a_first_name_with_two_words_matches(front_desk):
    register(front_desk, first_name="Mary Ann", last_name="Smith")
    register(front_desk, first_name="Mary", last_name="Anderson")
    assert names(search_patients(front_desk, "mary ann smith")) == ["Mary Ann Smith"]


def test_a_date_of_birth_finds_everyone_born_that_day(front_desk):
    register(front_desk, first_name="Ann", date_of_birth=dt.date(1990, 2, 3))
    register(front_desk, first_name="Bo", date_of_birth=dt.date(1990, 2, 3))
    register(front_desk, first_name="Cy", date_of_birth=dt.date(1990, 3, 2))
    assert sorted(p.first_name for p in search_patients(front_desk, "1990-02-03")) == ["Ann", "Bo"]
    assert search_patients(front_desk, "1990-02-30") == []


@pytest.mark.parametrize("query", ["KC-000002", "kc-2", "2", " 000002 "])
def test_a_record_number_finds_that_record(front_desk, query):
    register(front_desk, first_name="First")
    second = register(front_desk, first_name="Second")
    assert second.record_number == "KC-000002"
    assert search_patients(front_desk, query) == [second]


def test_another_organisations_patients_are_never_found(front_desk, other_staff):
    theirs = register(
        other_staff["front_desk"], first_name="Hidden", last_name="Person", date_of_birth=dt.date(1970, 1, 1)
    )
    assert theirs.record_number == "KC-000001"
    for query in ["hidden", "person", "1970-01-01", "1", ""]:
        assert theirs not in search_patients(front_desk, query)


def test_a_search_is_audited_with_its_result_count(front_desk):
    register(front_desk, first_name="Ann")
    search_patients(front_desk, "ann")
    entry = AuditEntry.objects.filter(action=AuditAction.LIST).get()
    assert (entry.actor, entry.organisation, entry.detail) == (
        front_desk,
        front_desk.organisation,
        {"query": "ann", "results": 1},
    )


def test_patients_cannot_search(patient):
    with pytest.raises(PermissionDenied):
        search_patients(patient.user, "pat")
    assert not AuditEntry.objects.filter(action=AuditAction.LIST).exists()


def search_queries() -> int:
    """One SELECT for the rows; the audit entry, once this process knows the chain's end, is one
    statement on PostgreSQL (audit/appending.py) and an UPDATE of the head row plus an INSERT on SQLite."""
    return 2 if connection.vendor == "postgresql" else 3


@pytest.mark.parametrize("query", ["", "pat", "pat example", "1980-01-05", "T-00005"])
def test_a_search_costs_the_same_few_queries_however_many_patients(
    front_desk, org, other_org, django_assert_num_queries, query, make_patient
):
    for number in range(1, 61):
        make_patient(org, number, home_location=org.locations.first())
    for number in range(61, 71):
        make_patient(other_org, number)
    search_patients(front_desk, query)  # the first append of a process reads the chain's end
    with django_assert_num_queries(search_queries()):
        found = search_patients(front_desk, query)
    assert all(p.organisation_id == org.pk for p in found)

    for number in range(71, 131):
        make_patient(org, number, home_location=org.locations.last())
    with django_assert_num_queries(search_queries()):
        found = search_patients(front_desk, query)
        rendered = [(p.full_name, p.home_location.name, p.get_stage_display()) for p in found]
    assert rendered


def test_summaries_are_the_same_search_in_the_same_queries_as_plain_values(
    front_desk, org, django_assert_num_queries, make_patient
):
    portland = org.locations.first()
    make_patient(org, 1, home_location=portland, preferred_name="Pip")
    make_patient(org, 2)
    search_patient_summaries(front_desk, "pat")  # the first append of a process reads the chain's end
    with django_assert_num_queries(search_queries()):
        found = search_patient_summaries(front_desk, "pat")
    assert found == [
        {
            "id": patient.pk,
            "record_number": patient.record_number,
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "preferred_name": patient.preferred_name,
            "date_of_birth": patient.date_of_birth,
            "stage": patient.stage,
            "home_location": patient.home_location
            and {"id": portland.pk, "name": portland.name, "time_zone": portland.time_zone},
        }
        for patient in search_patients(front_desk, "pat")
    ]
    assert found[0]["home_location"] and found[1]["home_location"] is None
    assert AuditEntry.objects.filter(action=AuditAction.LIST).last().detail == {"query": "pat", "results": 2}
