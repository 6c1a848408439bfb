"""Patient/<id>/$everything: the patient's whole compartment (and what it references), only theirs, paged,
refused for a patient who is not the reader's to see, audited as one export entry for the patient."""

import datetime as dt
import json
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.fhir import selectors
from ketacare.fhir.domain.scopes import parse_scopes
from ketacare.fhir.tests.test_access import outcome
from ketacare.patients.models import Diagnosis

COMPARTMENT_TYPES = {
    "Patient", "RelatedPerson", "Condition", "AllergyIntolerance", "MedicationStatement", "Observation",
    "QuestionnaireResponse", "CarePlan", "Appointment", "Encounter", "MedicationAdministration", "Consent",
    "DocumentReference",
}  # fmt: skip


def entries(response) -> list[dict]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["resourceType"], body["type"]) == ("Bundle", "searchset")
    return body.get("entry", [])


def keys(found: list[dict], mode: str = "match") -> list[str]:
    return [f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in found if e["search"]["mode"] == mode]


def patients_named(resources: list[dict]) -> set[str]:
    """The patients the resources are about (the Patient itself, a subject, a patient, an actor)."""
    named = set()
    for resource in resources:
        if resource["resourceType"] == "Patient":
            named.add(f"Patient/{resource['id']}")
        for element in ("subject", "patient", "beneficiary"):
            if element in resource:
                named.add(resource[element]["reference"])
        for participant in resource.get("participant", []):
            if participant.get("actor", {}).get("reference", "").startswith("Patient/"):
                named.add(participant["actor"]["reference"])
    return named


def test_everything_holds_the_whole_record_of_that_patient_only(record, second_patient, staff, fhir_get):
    Diagnosis.objects.create(patient=second_patient, icd10_code="F32.9", description="MDD", recorded_by=staff["nurse"])
    found = entries(fhir_get(staff["prescriber"], f"Patient/{record.patient.pk}/$everything", _count=200))

    matches = [e["resource"] for e in found if e["search"]["mode"] == "match"]
    assert {resource["resourceType"] for resource in matches} >= COMPARTMENT_TYPES
    assert keys(found)[0] == f"Patient/{record.patient.pk}"
    assert patients_named(matches) == {f"Patient/{record.patient.pk}"}
    assert f"Patient/{second_patient.pk}" not in json.dumps(found)
    assert f"Condition/{record.diagnosis.pk}" in keys(found)
    assert f"MedicationAdministration/dose-{record.dose.pk}" in keys(found)
    assert f"DocumentReference/{record.private_document.pk}" in keys(found)
    # Who treated them, where and which clinic: sent along as includes, each once.
    included = keys(found, "include")
    assert f"Practitioner/{staff['nurse'].pk}" in included
    assert {key.partition("/")[0] for key in included} == {"Practitioner", "Location", "Organization"}
    assert len(included) == len(set(included))


def test_type_narrows_the_compartment_and_its_includes(record, staff, fhir_get):
    found = entries(
        fhir_get(staff["prescriber"], f"Patient/{record.patient.pk}/$everything", _type="Condition,Practitioner")
    )
    assert keys(found) == [f"Condition/{record.diagnosis.pk}"]
    assert {key.partition("/")[0] for key in keys(found, "include")} == {"Practitioner"}
    bad = fhir_get(staff["prescriber"], f"Patient/{record.patient.pk}/$everything", _type="Conditions")
    assert "_type" in outcome(bad, 400, "invalid")["issue"][0]["diagnostics"]


def test_since_keeps_what_changed_after_it(record, staff, fhir_get):
    path, reader = f"Patient/{record.patient.pk}/$everything", staff["prescriber"]
    earlier = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    later = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert f"Condition/{record.diagnosis.pk}" in keys(entries(fhir_get(reader, path, _since=earlier, _count=200)))
    assert not any(
        key.startswith(("Condition/", "Patient/", "Encounter/", "Consent/"))
        for key in keys(entries(fhir_get(reader, path, _since=later, _count=200)))
    )
    for bad in ("2026-01-01", "yesterday", "2026-01-01T00:00:00"):
        assert outcome(fhir_get(reader, path, _since=bad), 400, "invalid")["issue"][0]["expression"] == ["_since"]
    assert outcome(fhir_get(reader, path, patient="1"), 400, "invalid")["issue"][0]["expression"] == ["patient"]


def test_pages_follow_next_links_without_gaps_or_repeats(record, staff, fhir_get):
    reader = staff["prescriber"]
    whole = keys(entries(fhir_get(reader, f"Patient/{record.patient.pk}/$everything", _count=200)))
    paged, path, params, pages = [], f"Patient/{record.patient.pk}/$everything", {"_count": 4}, 0
    while True:
        response = fhir_get(reader, path, **params)
        found = entries(response)
        assert len(keys(found)) <= 4
        paged += keys(found)
        pages += 1
        following = [link["url"] for link in response.json()["link"] if link["relation"] == "next"]
        if not following:
            break
        url = urlsplit(following[0])
        assert url.path == f"/fhir/Patient/{record.patient.pk}/$everything"
        path, params = url.path.removeprefix("/fhir/"), dict(part.split("=") for part in url.query.split("&"))
    assert paged == whole
    assert pages == -(-len(whole) // 4)


def test_another_clinics_patient_is_404(record, other_staff, other_org_patient, staff, fhir_get):
    outcome(fhir_get(other_staff["prescriber"], f"Patient/{record.patient.pk}/$everything"), 404, "not-found")
    outcome(fhir_get(staff["prescriber"], f"Patient/{other_org_patient.pk}/$everything"), 404, "not-found")
    outcome(fhir_get(staff["prescriber"], "Patient/99999999999999999999/$everything"), 404, "not-found")


def test_a_patient_gets_their_own_everything_and_nobody_elses(record, second_patient, fhir_get):
    own = entries(fhir_get(record.patient.user, f"Patient/{record.patient.pk}/$everything", _count=200))
    assert patients_named([e["resource"] for e in own]) == {f"Patient/{record.patient.pk}"}
    # What the portal shows them: shared documents only, no staff directory.
    assert f"DocumentReference/{record.private_document.pk}" not in keys(own)
    assert f"DocumentReference/{record.shared_document.pk}" in keys(own)
    assert "Practitioner" not in {key.partition("/")[0] for key in keys(own, "include")}
    outcome(fhir_get(second_patient.user, f"Patient/{record.patient.pk}/$everything"), 404, "not-found")


def test_a_role_reads_only_the_sources_its_pages_show(record, staff, fhir_get):
    found = keys(entries(fhir_get(staff["front_desk"], f"Patient/{record.patient.pk}/$everything", _count=200)))
    assert f"Appointment/{record.appointment.pk}" in found
    assert f"Observation/score-{record.phq9.pk}" in found
    # Session charts are refused to the front desk, as the session pages are.
    charts = ("MedicationAdministration/", "Observation/bp-", "Encounter/session-")
    assert not any(key.startswith(charts) for key in found)


def test_everything_is_audited_as_one_export_for_the_patient(record, staff, fhir_get):
    reader = staff["prescriber"]
    fhir_get(reader, "Organization")  # creates the reader's token (itself audited)
    before = AuditEntry.objects.order_by("-sequence").first().sequence
    found = entries(fhir_get(reader, f"Patient/{record.patient.pk}/$everything", _count=200))
    (entry,) = AuditEntry.objects.filter(sequence__gt=before, organisation=record.patient.organisation)
    assert (entry.action, entry.actor_id, entry.patient_id) == (AuditAction.EXPORT, reader.pk, record.patient.pk)
    assert entry.detail["operation"] == "$everything"
    assert entry.detail["resources"] == keys(found) + keys(found, "include")


def test_the_capability_statement_names_the_operation(client):
    statement = client.get("/fhir/metadata").json()
    (patient,) = [entry for entry in statement["rest"][0]["resource"] if entry["type"] == "Patient"]
    operations = {operation["name"]: operation["definition"] for operation in patient["operation"]}
    assert operations["everything"] == "http://hl7.org/fhir/OperationDefinition/Patient-everything"


def test_an_apps_grant_limits_everything_to_its_types_and_launched_patient(record, second_patient, staff):
    """An OAuth token (SMART) reads through the same selector: only the types its scopes cover, and with
    patient/ scopes only the patient the app was launched with."""
    reader, patient_id = staff["prescriber"], str(record.patient.pk)
    grant = parse_scopes("user/Patient.rs user/Condition.rs user/Practitioner.rs")
    resources, included, _ = selectors.patient_everything(reader, patient_id, [], 200, None, "", grant=grant)
    assert {resource["resourceType"] for resource in resources} == {"Patient", "Condition"}
    assert {resource["resourceType"] for resource in included} == {"Practitioner"}

    launched_elsewhere = parse_scopes("launch/patient patient/*.rs").with_patient(second_patient.pk)
    with pytest.raises(Http404):
        selectors.patient_everything(reader, patient_id, [], 200, None, "", grant=launched_elsewhere)
    launched_here = parse_scopes("launch/patient patient/*.rs").with_patient(record.patient.pk)
    resources, _, _ = selectors.patient_everything(reader, patient_id, [], 200, None, "", grant=launched_here)
    assert f"Condition/{record.diagnosis.pk}" in {f"{r['resourceType']}/{r['id']}" for r in resources}
    with pytest.raises(PermissionDenied):
        selectors.patient_everything(reader, patient_id, [], 200, None, "", grant=parse_scopes("user/Condition.rs"))
