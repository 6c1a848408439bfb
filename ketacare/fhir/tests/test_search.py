"""Search: US Core's Patient parameters, dates, tokens, and keyset paging with `next` links."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.measures import actions as measures_actions


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [entry["resource"]["id"] for entry in response.json().get("entry", [])]


def test_patient_search_parameters(record, second_patient, staff, fhir_get, make_patient):
    reader = staff["front_desk"]
    first, second = record.patient, second_patient
    zoe = make_patient(first.organisation, 7, first_name="Zoë", last_name="O'Brien", sex_at_birth="female")
    assert ids(fhir_get(reader, "Patient", _id=first.pk)) == [str(first.pk)]
    assert ids(fhir_get(reader, "Patient", _id=f"{first.pk},{second.pk}")) == [str(first.pk), str(second.pk)]
    assert ids(fhir_get(reader, "Patient", identifier=first.record_number)) == [str(first.pk)]
    system = "https://ketacare.org/fhir/sid/harbor/record-number"
    assert ids(fhir_get(reader, "Patient", identifier=f"{system}|{second.record_number}")) == [str(second.pk)]
    assert ids(fhir_get(reader, "Patient", identifier=f"http://other.example|{second.record_number}")) == []
    assert ids(fhir_get(reader, "Patient", name="zoe")) == [str(zoe.pk)]  # accents and case ignored
    assert ids(fhir_get(reader, "Patient", family="obri")) == [str(zoe.pk)]
    assert ids(fhir_get(reader, "Patient", given="Pat", family="Example2")) == [str(second.pk)]
    assert ids(fhir_get(reader, "Patient", gender="female")) == [str(zoe.pk)]
    assert ids(fhir_get(reader, "Patient", birthdate=first.date_of_birth.isoformat())) == [str(first.pk)]
    assert ids(fhir_get(reader, "Patient", birthdate=f"gt{first.date_of_birth.isoformat()}")) == [
        str(second.pk),
        str(zoe.pk),
    ]
    assert str(first.pk) in ids(fhir_get(reader, "Patient", birthdate=f"le{first.date_of_birth.isoformat()}"))
    assert ids(fhir_get(reader, "Patient", birthdate=str(first.date_of_birth.year))) == [
        str(first.pk),
        str(second.pk),
        str(zoe.pk),
    ]


def test_observation_search_by_patient_category_code_and_date(record, second_patient, staff, fhir_get):
    reader = staff["nurse"]
    gad7 = measures_actions.do_enter_response(staff["prescriber"], second_patient, "gad7", dict(enumerate([1] * 7, 1)))
    assert ids(fhir_get(reader, "Observation", patient=second_patient.pk)) == [f"score-{gad7.pk}"]
    assert ids(fhir_get(reader, "Observation", patient=f"Patient/{second_patient.pk}", code="70274-6")) == [
        f"score-{gad7.pk}"
    ]
    assert ids(fhir_get(reader, "Observation", code="http://loinc.org|44261-6")) == [f"score-{record.phq9.pk}"]
    vitals = ids(fhir_get(reader, "Observation", patient=record.patient.pk, category="vital-signs", code="8867-4"))
    assert vitals == [f"hr-{vital.pk}" for vital in record.esketamine_session.vitals.order_by("pk")]
    vital = record.vital
    day = vital.recorded_at.date()
    on_the_day = ids(fhir_get(reader, "Observation", code="85354-9", date=f"ge{day.isoformat()}"))
    assert f"bp-{vital.pk}" in on_the_day
    later = (vital.recorded_at + dt.timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    assert f"bp-{vital.pk}" not in ids(fhir_get(reader, "Observation", code="85354-9", date=f"gt{later}"))
    # Two occurrences must both hold (AND); comma-separated values are alternatives (OR).
    assert ids(fhir_get(reader, "Observation", category="survey", code="8867-4")) == []
    both = ids(fhir_get(reader, "Observation", code="44261-6,70274-6"))
    assert both == [f"score-{record.phq9.pk}", f"score-{gad7.pk}"]


def test_paging_walks_every_source_once_in_a_stable_order(record, staff, fhir_get, client):
    reader = staff["nurse"]
    everything = ids(fhir_get(reader, "Observation", patient=record.patient.pk, _count=200))
    assert len(everything) > 6  # a score, three sets of vitals (bp, hr, spo2 each), weights
    seen, response = [], fhir_get(reader, "Observation", patient=record.patient.pk, _count=2)
    pages = 0
    while True:
        pages += 1
        page = ids(response)
        assert len(page) <= 2
        seen += page
        links = {link["relation"]: link["url"] for link in response.json()["link"]}
        if "next" not in links:
            break
        assert "_count=2" in links["next"] and f"patient={record.patient.pk}" in links["next"]
        response = fhir_get(
            reader,
            links["next"].split("/fhir/", 1)[1].split("?")[0],
            **dict(pair.split("=", 1) for pair in links["next"].split("?", 1)[1].split("&")),
        )
    assert seen == everything
    assert pages == (len(everything) + 1) // 2


def test_a_page_costs_the_same_queries_however_many_rows_it_carries(record, staff, fhir_get):
    """One query per source, not per row: the mappers read only what their querysets joined."""
    reader = staff["nurse"]
    fhir_get(reader, "Organization")  # the token is created (and audited) outside the measurement

    def queries(resource_type: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert fhir_get(reader, resource_type, patient=record.patient.pk).status_code == 200
        return len(captured)

    baseline = {name: queries(name) for name in ("Observation", "MedicationAdministration", "Encounter", "CarePlan")}
    session = record.esketamine_session
    vital = record.vital
    for minute in range(10):
        vital.pk = None
        vital.minute = minute
        vital.respiratory_rate_per_min = 14
        vital.save()
    for sequence in (3, 4, 5):
        session.devices.create(sequence=sequence, recorded_by=staff["nurse"], administered_at=session.checked_in_at)
    assert {name: queries(name) for name in baseline} == baseline
