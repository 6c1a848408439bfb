"""Every resource type the server returns is valid R4: fhir.resources (R4B models, whose R4 core this server
uses) and fhirclient (R4 models, strict) both parse it; and the ketamine record maps to the codes it must."""

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from ketacare.fhir.registry import DERIVED, REGISTRY, STATIC
from ketacare.measures import actions as measures_actions
from ketacare.measures.domain.library import INSTRUMENTS
from ketacare.treatments.models import SessionRating

SERVED = sorted([*REGISTRY, *STATIC])


def search(fhir_get, user, resource_type, **params) -> list[dict]:
    response = fhir_get(user, resource_type, **params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    return [entry["resource"] for entry in bundle.get("entry", [])]


def by_id(resources: list[dict]) -> dict[str, dict]:
    return {resource["id"]: resource for resource in resources}


def test_every_served_type_returns_resources_two_r4_libraries_accept(record, staff, fhir_get):
    for resource_type in SERVED:
        resources = search(fhir_get, staff["prescriber"], resource_type)
        assert resources, f"the world has no {resource_type}"
        for resource in resources:
            assert resource["resourceType"] == resource_type
            get_fhir_model_class(resource_type).model_validate(resource)
            FHIRElementFactory.instantiate(resource_type, resource)  # strict: unknown or badly typed elements raise
            read = fhir_get(staff["prescriber"], f"{resource_type}/{resource['id']}")
            assert read.status_code == 200 and read.json() == resource


def test_capability_statement_lists_exactly_what_is_served(client):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
    statement = response.json()
    get_fhir_model_class("CapabilityStatement").model_validate(statement)
    FHIRElementFactory.instantiate("CapabilityStatement", statement)
    assert statement["fhirVersion"] == "4.0.1"
    resources = {entry["type"]: entry for entry in statement["rest"][0]["resource"]}
    assert sorted(resources) == sorted([*SERVED, *DERIVED])  # derived types (Slot): tests/test_schedule_slots.py
    assert {param["name"] for param in resources["Patient"]["searchParam"]} == {
        "_id",
        "identifier",
        "name",
        "family",
        "given",
        "birthdate",
        "gender",
    }
    assert {param["name"] for param in resources["Observation"]["searchParam"]} == {
        "_id",
        "patient",
        "category",
        "code",
        "date",
    }
    for name, entry in resources.items():
        assert [i["code"] for i in entry["interaction"]] == ["read", "search-type"]
        if (
            name != "Questionnaire"
            and name in REGISTRY
            and name
            not in ("Organization", "Location", "Practitioner", "PractitionerRole", "Patient", "Group", "Schedule")
        ):
            assert "patient" in {param["name"] for param in entry["searchParam"]}, name


def test_patient_carries_record_number_names_and_birth_date(record, staff, fhir_get):
    patient = record.patient
    resource = fhir_get(staff["front_desk"], f"Patient/{patient.pk}").json()
    assert resource["meta"]["profile"] == ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"]
    assert resource["identifier"][0]["value"] == patient.record_number
    assert resource["identifier"][0]["system"] == "https://ketacare.org/fhir/sid/harbor/record-number"
    assert resource["name"][0] == {"use": "official", "family": patient.last_name, "given": [patient.first_name]}
    assert resource["birthDate"] == patient.date_of_birth.isoformat()
    assert resource["gender"] == "unknown"


def test_condition_is_icd10_cm(record, staff, fhir_get):
    (condition,) = search(fhir_get, staff["nurse"], "Condition", patient=record.patient.pk)
    assert condition["code"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/icd-10-cm",
        "code": "F33.2",
        "display": "MDD, recurrent, severe",
    }
    assert condition["clinicalStatus"]["coding"][0]["code"] == "active"


def test_questionnaire_scores_reuse_the_measures_mapping_with_loinc(record, staff, fhir_get):
    (phq9,) = search(fhir_get, staff["nurse"], "Observation", code="http://loinc.org|44261-6")
    assert phq9["id"] == f"score-{record.phq9.pk}"
    assert phq9["valueInteger"] == 18
    assert phq9["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{record.phq9.pk}"}]
    assert phq9["category"][0]["coding"][0]["code"] == "survey"


def test_vital_signs_follow_us_core(record, staff, fhir_get):
    vital = record.vital
    observations = by_id(search(fhir_get, staff["nurse"], "Observation", category="vital-signs"))
    bp = observations[f"bp-{vital.pk}"]
    assert bp["code"]["coding"][0]["code"] == "85354-9"
    assert [
        (c["code"]["coding"][0]["code"], c["valueQuantity"]["value"], c["valueQuantity"]["code"])
        for c in bp["component"]
    ] == [("8480-6", vital.systolic_mmhg, "mm[Hg]"), ("8462-4", vital.diastolic_mmhg, "mm[Hg]")]
    assert bp["encounter"] == {"reference": f"Encounter/session-{vital.session_id}"}
    heart_rate = observations[f"hr-{vital.pk}"]
    assert heart_rate["code"]["coding"][0]["code"] == "8867-4"
    assert heart_rate["valueQuantity"] == {
        "value": vital.heart_rate_bpm,
        "unit": "beats/minute",
        "system": "http://unitsofmeasure.org",
        "code": "/min",
    }
    spo2 = observations[f"spo2-{vital.pk}"]
    assert [c["code"] for c in spo2["code"]["coding"]] == ["59408-5", "2708-6"]
    assert spo2["meta"]["profile"] == ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-pulse-oximetry"]
    assert f"rr-{vital.pk}" not in observations  # no respiratory rate was taken
    weights = [o for o in observations.values() if o["code"]["coding"][0]["code"] == "29463-7"]
    assert weights and weights[0]["valueQuantity"]["code"] == "kg"


def test_ketamine_dose_is_a_medication_administration_with_lot_route_and_ledger_entry(record, staff, fhir_get):
    dose = fhir_get(staff["nurse"], f"MedicationAdministration/dose-{record.dose.pk}").json()
    assert dose["dosage"]["dose"] == {"value": 35.0, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
    assert dose["dosage"]["route"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "47625008",
        "display": "Intravenous route",
    }
    assert dose["context"] == {"reference": f"Encounter/session-{record.iv_session.pk}"}
    assert dose["identifier"] == [
        {"system": "https://ketacare.org/fhir/sid/harbor/ledger-entry", "value": str(record.dose.ledger_entry_id)}
    ]
    (medication,) = dose["contained"]
    assert medication["batch"]["lotNumber"] == "KET-LOT-7"
    assert medication["code"]["coding"] == [
        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "6130", "display": "ketamine"},
        {"system": "http://hl7.org/fhir/sid/ndc", "code": "0409-2051-05"},
    ]
    assert dose["effectivePeriod"]["start"] == record.iv_session.administration_started_at.isoformat()
    assert dose["performer"][0]["actor"]["reference"] == f"Practitioner/{staff['nurse'].pk}"


def test_each_esketamine_device_is_a_28_mg_nasal_dose(record, staff, fhir_get):
    session = record.esketamine_session
    doses = search(fhir_get, staff["nurse"], "MedicationAdministration", context=f"Encounter/session-{session.pk}")
    assert sorted(dose["id"] for dose in doses) == sorted(f"device-{device.pk}" for device in session.devices.all())
    for dose in doses:
        assert dose["dosage"]["dose"]["value"] == 28.0
        assert dose["dosage"]["route"]["coding"][0]["code"] == "46713006"
        assert dose["contained"][0]["batch"]["lotNumber"] == "LOT-ESK-42"


@pytest.mark.parametrize("status, expected", [("observing", "in-progress"), ("cancelled", "cancelled")])
def test_encounter_status_follows_the_session(record, staff, fhir_get, status, expected):
    session = record.esketamine_session
    type(session).objects.filter(pk=session.pk).update(status=status)
    encounter = fhir_get(staff["nurse"], f"Encounter/session-{session.pk}").json()
    assert encounter["status"] == expected
    assert encounter["location"][0]["location"]["reference"] == f"Location/{session.location_id}"


def test_appointment_carries_time_status_and_participants(record, staff, fhir_get):
    appointment = record.appointment
    resource = fhir_get(staff["front_desk"], f"Appointment/{appointment.pk}").json()
    assert resource["status"] == "booked"
    assert resource["start"] == appointment.starts_at.isoformat()
    actors = [participant["actor"]["reference"] for participant in resource["participant"]]
    assert actors[:2] == [f"Patient/{record.patient.pk}", f"Location/{appointment.location_id}"]
    type(appointment).objects.filter(pk=appointment.pk).update(status="no_show")
    assert fhir_get(staff["front_desk"], f"Appointment/{appointment.pk}").json()["status"] == "noshow"


def test_consent_points_to_the_signed_pdf_where_the_reader_downloads_it(record, staff, fhir_get, settings):
    settings.PUBLIC_BASE_URL = "https://clinic.example"
    consent = record.consent
    resource = fhir_get(staff["nurse"], f"Consent/{consent.pk}").json()
    assert resource["status"] == "active"
    assert resource["sourceAttachment"]["url"] == f"https://clinic.example/consents/signed/{consent.pk}/pdf/"
    assert resource["sourceAttachment"]["contentType"] == "application/pdf"
    own = fhir_get(record.patient.user, f"Consent/{consent.pk}").json()
    assert own["sourceAttachment"]["url"] == f"https://clinic.example/portal/consents/signed/{consent.pk}/pdf/"


def test_care_plan_lists_the_planned_sessions_and_adjunct_care(record, staff, fhir_get):
    plan = record.esketamine_session.plan
    plan.adjuncts.create(kind="integration_therapy", description="<b>Weekly</b> integration", created_by=staff["nurse"])
    resource = fhir_get(staff["therapist"], f"CarePlan/{plan.pk}").json()
    assert (resource["status"], resource["intent"]) == ("active", "plan")
    assert resource["subject"] == {"reference": f"Patient/{record.patient.pk}"}
    sessions = [a for a in resource["activity"] if a["detail"].get("kind") == "Appointment"]
    assert len(sessions) == plan.sessions.count() > 0
    assert (
        sessions[0]["detail"]["scheduledPeriod"]["start"]
        == plan.sessions.order_by("sequence")[0].window_start.isoformat()
    )
    (adjunct,) = [a for a in resource["activity"] if "code" in a["detail"]]
    assert adjunct["detail"]["status"] == "not-started"
    assert adjunct["detail"]["description"] == "<b>Weekly</b> integration"  # data, not markup: kept as typed
    assert ids_of(fhir_get(staff["front_desk"], "CarePlan", status="revoked")) == []


def ids_of(response) -> list[str]:
    return [entry["resource"]["id"] for entry in response.json().get("entry", [])]


def test_document_reference_points_to_the_audited_download(record, staff, fhir_get, settings):
    settings.PUBLIC_BASE_URL = "https://clinic.example"
    document = record.shared_document
    resource = fhir_get(staff["nurse"], f"DocumentReference/{document.pk}").json()
    assert resource["status"] == "current"
    assert resource["type"]["coding"][0]["code"] == "referral"
    (content,) = resource["content"]
    assert content["attachment"]["url"] == f"https://clinic.example/documents/{document.pk}/download/"
    assert content["attachment"]["contentType"] == "application/pdf"
    own = fhir_get(record.patient.user, f"DocumentReference/{document.pk}").json()
    assert own["content"][0]["attachment"]["url"] == f"https://clinic.example/portal/documents/{document.pk}/download/"


@pytest.mark.parametrize("instrument", ["cadss", "moaas"])
def test_dissociation_and_sedation_ratings_are_scores_linked_to_their_session(record, staff, fhir_get, instrument):
    session = record.esketamine_session
    items = INSTRUMENTS[instrument].items
    response = measures_actions.do_enter_response(
        staff["nurse"], record.patient, instrument, {item.number: item.max_answer for item in items}
    )
    SessionRating.objects.create(
        session=session,
        instrument=instrument,
        response=response,
        minute=40,
        recorded_at=response.submitted_at,
        recorded_by=staff["nurse"],
    )
    code = f"https://ketacare.org/fhir/CodeSystem/instrument|{instrument}"
    (score,) = search(fhir_get, staff["nurse"], "Observation", patient=record.patient.pk, code=code)
    assert score["valueInteger"] == response.total
    assert score["encounter"] == {"reference": f"Encounter/session-{session.pk}"}
    answers = fhir_get(staff["nurse"], f"QuestionnaireResponse/{response.pk}").json()
    assert answers["encounter"] == score["encounter"]
    assert answers["questionnaire"] == f"https://ketacare.org/fhir/Questionnaire/{instrument}"
    FHIRElementFactory.instantiate("Observation", score)
    FHIRElementFactory.instantiate("QuestionnaireResponse", answers)
