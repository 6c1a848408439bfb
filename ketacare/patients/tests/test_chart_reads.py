"""How the chart reads the record (issue 19): a fixed number of queries whatever the record's size, SQL built
once per connection, and rows shown as the template showed them from the models (the patient's zone, the
recorder's name or else username)."""

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare.accounts.models import User
from ketacare.patients import actions
from ketacare.patients.models import Allergy, Diagnosis, Medication, Patient, WeightMeasurement
from ketacare.patients.selectors import access_chart_by_patient_id, access_patient_by_id


def chart_url(patient):
    return reverse("patients:detail", args=[patient.pk])


def add_entries(patient, recorder, number: int):
    for n in range(number):
        actions.do_add_diagnosis(recorder, patient.pk, icd10_code=f"F3{n}", description=f"Diagnosis {n}")
        actions.do_add_allergy(recorder, patient.pk, substance=f"Substance {n}")
        actions.do_add_medication(recorder, patient.pk, name=f"Medicine {n}")
        actions.do_record_weight(recorder, patient.pk, weight_kg="80.0", measured_on=dt.date(2024, 1, 1 + n))


def test_the_charts_queries_do_not_grow_with_the_record(signed_in, staff, patient):
    client = signed_in(staff["prescriber"])
    add_entries(patient, staff["nurse"], 1)
    client.get(chart_url(patient))
    with CaptureQueriesContext(connection) as small:
        assert client.get(chart_url(patient)).status_code == 200
    add_entries(patient, staff["prescriber"], 3)  # more rows, and another recorder
    with CaptureQueriesContext(connection) as large:
        page = client.get(chart_url(patient)).content.decode()
    assert "Medicine 2" in page and page.count("New status") == 12
    assert len(large) == len(small)


def test_the_record_is_read_without_building_its_sql_again(staff, patient, sql_built_for):
    """The patient and the chart's five lists: their SQL is built at the first read on a connection only."""
    nurse = staff["nurse"]
    add_entries(patient, nurse, 1)
    access_chart_by_patient_id(nurse, patient.pk)
    sql_built_for.clear()
    chart = access_chart_by_patient_id(nurse, patient.pk)

    record_models = {Patient, Diagnosis, Allergy, Medication, WeightMeasurement, Patient.inquiries.rel.related_model}
    assert not record_models & set(sql_built_for)
    assert [len(chart.diagnoses), len(chart.allergies), len(chart.medications), len(chart.weights)] == [1, 1, 1, 1]
    assert chart.weights[0].recorded_by.display_name == nurse.display_name


def test_chart_rows_show_times_in_the_patients_zone_and_the_recorder_or_their_username(
    signed_in, staff, patient, portland
):
    Patient.objects.filter(pk=patient.pk).update(home_location=portland)
    nurse = staff["nurse"]
    User.objects.filter(pk=nurse.pk).update(first_name="", last_name="")
    actions.do_record_weight(staff["prescriber"], patient.pk, weight_kg="81.5", measured_on=dt.date(2024, 3, 5))
    actions.do_add_diagnosis(nurse, patient.pk, icd10_code="F33.2", description="Major depressive disorder")
    # 02:30 UTC on 6 March is 18:30 on 5 March in Portland (PST, UTC-8).
    recorded_at = dt.datetime(2024, 3, 6, 2, 30, tzinfo=dt.UTC)
    WeightMeasurement.objects.filter(patient=patient).update(recorded_at=recorded_at)
    Diagnosis.objects.filter(patient=patient).update(recorded_at=recorded_at)

    page = signed_in(staff["prescriber"]).get(chart_url(patient)).content.decode()

    assert f"2024-03-05 18:30 · {staff['prescriber'].get_full_name()}" in page
    assert f"2024-03-05 · {nurse.username}" in page
    assert "81.5 kg" in page


@pytest.mark.parametrize("patient_id", [0, -1, 2**63, 2**64])
def test_what_is_no_patient_id_finds_no_patient(staff, patient, patient_id):
    with pytest.raises(Http404):
        access_patient_by_id(staff["nurse"], patient_id)


def test_a_patient_reads_their_own_record_and_no_other(patient, second_patient):
    assert access_patient_by_id(patient.user, patient.pk, audit=False) == patient
    with pytest.raises(Http404):
        access_patient_by_id(patient.user, second_patient.pk, audit=False)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_postgresql_plans_the_charts_reads_once_per_connection(signed_in, staff, patient):
    # Planning was most of PostgreSQL's work on the chart (issue 19): a read repeated on a connection is
    # prepared, so later requests skip parsing and planning it.
    client = signed_in(staff["nurse"])
    for _ in range(3):
        assert client.get(chart_url(patient)).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any('FROM "patients_allergy"' in statement for statement in prepared)
