"""FHIR import (docs/fhir.md "Import"): a clinic's export imported into an empty clinic gives the same
resources (ids aside); a second import creates nothing; a dry run writes nothing; a bad resource refuses its
whole patient; a bad file imports nothing."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from ketacare.accounts.domain.roles import Role
from ketacare.fhir import registry
from ketacare.fhir.imports.actions import CREATED, LEFT_OUT, REFUSED, UNCHANGED, import_resources
from ketacare.fhir.imports.models import ImportedResource
from ketacare.fhir.imports.reader import ImportFileError, read_text
from ketacare.fhir.ndjson import write_ndjson
from ketacare.measures import actions as measures_actions
from ketacare.measures.domain import fhir as measures_fhir
from ketacare.measures.models import Alert, ExternalScore
from ketacare.patients import actions as patients_actions
from ketacare.patients.models import Patient

TYPES = ("Patient", "Condition", "AllergyIntolerance", "MedicationStatement", "Observation", "QuestionnaireResponse")
# What differs between two clinics holding the same record: ids, who recorded it here and when, the
# clinic's own record number and organisation.
LOCAL_FIELDS = {
    "id",
    "meta",
    "recorder",
    "recordedDate",
    "informationSource",
    "dateAsserted",
    "issued",
    "performer",
    "identifier",
    "managingOrganization",
}


def export(user) -> dict[str, list[dict]]:
    scope = registry.Scope(user, user.organisation_id, user.organisation.slug)
    return {name: list(registry.iter_resources(registry.REGISTRY[name], scope)) for name in TYPES}


def as_ndjson(exported: dict[str, list[dict]]) -> str:
    stream = io.StringIO()
    for resources in exported.values():
        write_ndjson(resources, stream)
    return stream.getvalue()


def normalised(exported: dict[str, list[dict]]) -> dict[str, list[str]]:
    """Each type's resources with local fields left out and references to patients and responses replaced
    by what identifies them across clinics, sorted."""
    people = {f"Patient/{p['id']}": f"{p['name'][0]['family']}/{p['birthDate']}" for p in exported["Patient"]}
    responses = {
        f"QuestionnaireResponse/{r['id']}": f"{people[r['subject']['reference']]}/{r['authored']}"
        for r in exported["QuestionnaireResponse"]
    }

    def clean(value):
        if isinstance(value, dict):
            if set(value) == {"reference"}:
                return {"reference": people.get(value["reference"]) or responses.get(value["reference"])}
            return {key: clean(item) for key, item in value.items() if key not in LOCAL_FIELDS}
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    return {name: sorted(json.dumps(clean(r), sort_keys=True) for r in found) for name, found in exported.items()}


@pytest.fixture
def arriving(db, make_organisation, make_user):
    """An empty clinic and its admin."""
    organisation = make_organisation("Arrivals", "arrivals")
    return make_user(organisation, Role.CLINIC_ADMIN, "arrivals_admin")


@pytest.fixture
def leaving_clinic(org, staff, make_patient):
    """Two patients with every kind of record the import takes, entered through the actions."""
    prescriber, nurse = staff["prescriber"], staff["nurse"]
    first = make_patient(
        org,
        41,
        phone="+15035550123",
        preferred_name="Lou",
        address_line="1 Main St",
        city="Portland",
        region="OR",
        postal_code="97201",
        emergency_contact_name="Sam Doe",
        emergency_contact_relationship="Partner",
        emergency_contact_phone="+15035550111",
        sex_at_birth="female",
    )
    second = make_patient(org, 42, sex_at_birth="male")
    for patient in (first, second):
        today = patient.today()
        diagnosis = patients_actions.do_add_diagnosis(
            prescriber,
            patient.pk,
            icd10_code="F33.2",
            description="MDD, recurrent, severe",
            onset_date=today - dt.timedelta(days=400),
        )
        patients_actions.do_add_diagnosis(prescriber, patient.pk, icd10_code="F41.1", description="GAD")
        patients_actions.do_change_diagnosis_status(prescriber, patient.pk, diagnosis.pk, status="resolved")
        allergy = patients_actions.do_add_allergy(
            nurse, patient.pk, substance="Latex", reaction="Hives", severity="mild"
        )
        patients_actions.do_add_allergy(nurse, patient.pk, substance="Penicillin")
        patients_actions.do_change_allergy_status(nurse, patient.pk, allergy.pk, status="inactive")
        medication = patients_actions.do_add_medication(
            prescriber,
            patient.pk,
            name="Sertraline",
            dose="100 mg",
            frequency="once daily",
            started_on=today - dt.timedelta(days=90),
        )
        patients_actions.do_change_medication_status(
            prescriber, patient.pk, medication.pk, status="stopped", stopped_on=today - dt.timedelta(days=3)
        )
        patients_actions.do_add_medication(prescriber, patient.pk, name="Bupropion", dose="150 mg")
        patients_actions.do_record_weight(nurse, patient.pk, weight_kg=Decimal("71.4"), measured_on=today)
        patients_actions.do_record_weight(
            nurse, patient.pk, weight_kg=Decimal("72.0"), measured_on=today - dt.timedelta(days=30)
        )
        measures_actions.do_enter_response(prescriber, patient, "phq9", dict(enumerate([2] * 8 + [0], 1)))
        measures_actions.do_enter_response(prescriber, patient, "gad7", dict(enumerate([1] * 7, 1)))
        measures_actions.do_enter_response(prescriber, patient, "qids_sr16", dict(enumerate([1] * 16, 1)))
        # A total another system sent without its answers (an earlier import).
        ExternalScore.objects.create(
            patient=patient,
            organisation=patient.organisation,
            instrument="phq9",
            total=19,
            taken_at=timezone.now() - dt.timedelta(days=200),
            source="old-ehr",
            recorded_by=prescriber,
        )
    return staff["clinic_admin"]


def import_text(admin, text: str, **options):
    return import_resources(
        admin, admin.organisation, read_text(text, "export.ndjson"), source_name="harbor", **options
    )


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_round_trip_gives_the_same_resources(leaving_clinic, arriving):
    exported = export(leaving_clinic)
    assert all(exported[name] for name in TYPES)

    report = import_text(arriving, as_ndjson(exported))

    assert report.total(REFUSED) == 0, report.not_imported
    assert normalised(export(arriving)) == normalised(exported)
    # Score observations are derived from their responses, which are imported and scored here.
    assert {o.result for o in report.outcomes if o.type == "Observation" and o.id.startswith("score-")} == {LEFT_OUT}


def test_a_second_import_creates_nothing(leaving_clinic, arriving):
    text = as_ndjson(export(leaving_clinic))
    first = import_text(arriving, text)
    before = row_counts()

    second = import_text(arriving, text)

    assert first.total(CREATED) > 0
    assert second.total(CREATED) == 0 and second.total(REFUSED) == 0
    assert second.total(UNCHANGED) == first.total(CREATED)
    counts = row_counts()
    assert {label: n for label, n in counts.items() if label != "audit.AuditEntry"} == {
        label: n for label, n in before.items() if label != "audit.AuditEntry"
    }


def test_dry_run_writes_nothing_and_reports_the_same(leaving_clinic, arriving):
    text = as_ndjson(export(leaving_clinic))
    before = row_counts()

    dry = import_text(arriving, text, dry_run=True)

    assert row_counts() == before
    assert dry.counts() == import_text(arriving, text).counts()


def test_a_refused_resource_rolls_back_its_patient_and_no_one_else(leaving_clinic, arriving):
    exported = export(leaving_clinic)
    bad = exported["Condition"][0]
    bad["code"]["coding"][0]["system"] = "http://snomed.info/sct"
    bad_patient = bad["subject"]["reference"].partition("/")[2]

    report = import_text(arriving, as_ndjson(exported))

    refused = {(o.type, o.id): o.reason for o in report.outcomes if o.result == REFUSED}
    assert "no ICD-10-CM coding" in refused[("Condition", bad["id"])]
    assert ("Patient", bad_patient) in refused
    assert "imported whole or not at all" in refused[("Patient", bad_patient)]
    # The other patient arrived whole; nothing of the refused one did.
    assert Patient.objects.filter(organisation=arriving.organisation).count() == 1
    assert not ImportedResource.objects.filter(source_id=bad_patient, resource_type="Patient").exists()


def test_a_resource_about_a_patient_not_in_the_import_is_refused(arriving):
    text = json.dumps(
        {
            "resourceType": "AllergyIntolerance",
            "id": "a1",
            "patient": {"reference": "Patient/99"},
            "code": {"text": "Latex"},
        }
    )

    report = import_text(arriving, text)

    (outcome,) = report.outcomes
    assert outcome.result == REFUSED and "neither in this import nor imported before" in outcome.reason


def test_historical_totals_and_weights_in_pounds_are_imported(arriving):
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "Rivera", "given": ["Ana"]}],
        "birthDate": "1984-02-03",
        "identifier": [{"system": "urn:oid:1.2.3", "value": "MRN-7"}],
    }
    phq9 = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "44261-6"}]},
        "effectiveDateTime": "2025-03-04T10:00:00-08:00",
        "valueInteger": 17,
    }
    weight = {
        "resourceType": "Observation",
        "id": "o2",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "effectiveDateTime": "2025-03-04",
        "valueQuantity": {"value": 160, "code": "[lb_av]"},
    }
    heart = {**weight, "id": "o3", "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]}}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in (patient, phq9, weight, heart)],
    }

    report = import_text(arriving, json.dumps(bundle))

    results = {o.id: o.result for o in report.outcomes}
    assert results == {"p1": CREATED, "o1": CREATED, "o2": CREATED, "o3": LEFT_OUT}
    imported = Patient.objects.get(organisation=arriving.organisation)
    assert imported.external_scores.get().total == 17
    assert imported.weights.get().weight_kg == Decimal("72.6")
    # The same patient from another export of that system is recognised by the identifier it carries.
    patient["id"] = "another-id"
    assert import_text(arriving, json.dumps(patient)).outcomes[0].result == UNCHANGED


def test_an_incomplete_questionnaire_response_is_refused_with_the_reason(arriving):
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "Rivera", "given": ["Ana"]}],
        "birthDate": "1984-02-03",
    }
    response = {
        "resourceType": "QuestionnaireResponse",
        "id": "q1",
        "status": "completed",
        "questionnaire": "https://ketacare.org/fhir/Questionnaire/gad7",
        "subject": {"reference": "Patient/p1"},
        "authored": "2025-03-04T10:00:00Z",
        "item": [
            {"linkId": "nervous", "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA6569-3"}}]}
        ],
    }

    report = import_text(arriving, "\n".join(json.dumps(r) for r in (patient, response)))

    reasons = {o.id: (o.result, o.reason) for o in report.outcomes}
    assert reasons["q1"][0] == REFUSED and "missing" in reasons["q1"][1]
    assert not Patient.objects.filter(organisation=arriving.organisation).exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("this is not json", "not JSON"),
        ('{"resourceType": "Patient", "id": "1"}\n{"resourceType": "Patient"', "line 2: not JSON"),
        (json.dumps({"resourceType": "Patient", "id": "1", "name": []}, indent=1), "must hold a Bundle"),
        (json.dumps({"resourceType": "Bundle", "type": "history", "entry": []}), "type 'history'"),
        ('[{"resourceType": "Patient"}]', "not a FHIR Bundle"),
    ],
)
def test_a_bad_file_is_one_clear_message(text, message):
    with pytest.raises(ImportFileError, match=message):
        read_text(text, "upload.json")


def test_the_command_imports_a_directory_and_refuses_a_bad_file(leaving_clinic, arriving, tmp_path):
    exported = export(leaving_clinic)
    for name, resources in exported.items():
        with open(tmp_path / f"{name}.ndjson", "w") as stream:
            write_ndjson(resources, stream)
    out = io.StringIO()

    call_command("import", "fhir", str(tmp_path), "--organisation", "arrivals", "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue()
    assert not Patient.objects.filter(organisation=arriving.organisation).exists()

    call_command("import", "fhir", str(tmp_path), "--organisation", "arrivals", stdout=io.StringIO())
    assert Patient.objects.filter(organisation=arriving.organisation).count() == 2

    (tmp_path / "bad.json").write_text('{"resourceType": "Bundle", "type": "document"}')
    with pytest.raises(CommandError, match="type 'document'.*Nothing was imported"):
        call_command("import", "fhir", str(tmp_path / "bad.json"), "--organisation", "arrivals")


@pytest.mark.parametrize(
    ("total", "days_ahead", "reason"),
    [(30, -3, "GAD-7 totals run 0–21, not 30"), (12, 3, "taken_at: The date cannot be in the future")],
)
def test_a_historical_total_the_chart_would_refuse_refuses_its_patient(arriving, total, days_ahead, reason):
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "Rivera", "given": ["Ana"]}],
        "birthDate": "1984-02-03",
    }
    score = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "70274-6"}]},
        "effectiveDateTime": (timezone.now() + dt.timedelta(days=days_ahead)).isoformat(),
        "valueInteger": total,
    }

    report = import_text(arriving, "\n".join(json.dumps(r) for r in (patient, score)))

    assert {o.id: o.result for o in report.outcomes} == {"p1": REFUSED, "o1": REFUSED}
    assert reason in next(o.reason for o in report.outcomes if o.id == "o1")
    assert not Patient.objects.filter(organisation=arriving.organisation).exists()


def _phq9_response(patient_id: str, item9: int) -> dict:
    return measures_fhir.questionnaire_response(
        "phq9",
        [1] * 8 + [item9],
        patient_id=patient_id,
        authored=timezone.now() - dt.timedelta(days=60),
        response_id="q1",
    )


def test_imported_history_raises_no_safety_alert_and_is_scored_here(arriving):
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "Rivera", "given": ["Ana"]}],
        "birthDate": "1984-02-03",
    }

    report = import_text(arriving, "\n".join(json.dumps(r) for r in (patient, _phq9_response("p1", 3))))

    assert report.total(CREATED) == 2
    response = Patient.objects.get(organisation=arriving.organisation).questionnaire_responses.get()
    assert response.total == 11 and "suicidal_ideation" in " ".join(response.flags)
    assert not Alert.objects.exists()


def test_a_changed_patient_is_updated_and_a_changed_entry_refused(leaving_clinic, arriving):
    exported = export(leaving_clinic)
    import_text(arriving, as_ndjson(exported))
    patient = next(p for p in exported["Patient"] if p.get("telecom"))
    patient["telecom"] = [{"system": "phone", "value": "+15035550199"}]

    report = import_text(arriving, as_ndjson({"Patient": [patient]}))

    assert [o.result for o in report.outcomes] == ["updated"]
    assert Patient.objects.get(organisation=arriving.organisation, phone="+15035550199")
    allergy = next(a for a in exported["AllergyIntolerance"] if a["patient"]["reference"] == f"Patient/{patient['id']}")
    allergy["code"]["text"] = "Peanuts"
    changed = import_text(arriving, as_ndjson({"AllergyIntolerance": [allergy]}))
    assert changed.outcomes[0].result == REFUSED and "not overwritten" in changed.outcomes[0].reason


def test_historical_totals_are_searched_by_their_own_code(arriving):
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "Rivera", "given": ["Ana"]}],
        "birthDate": "1984-02-03",
    }
    totals = [
        {
            "resourceType": "Observation",
            "id": f"o{n}",
            "status": "final",
            "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "effectiveDateTime": "2025-03-04T10:00:00Z",
            "valueInteger": 9,
        }
        for n, code in enumerate(("44261-6", "70274-6"))
    ]
    import_text(arriving, "\n".join(json.dumps(r) for r in (patient, *totals)))
    scope = registry.Scope(arriving, arriving.organisation_id, arriving.organisation.slug)

    page = registry.search(registry.REGISTRY["Observation"], scope, {"code": [["http://loinc.org|70274-6"]]}, 10, None)

    assert [resource["code"]["coding"][0]["code"] for _, _, resource in page.resources] == ["70274-6"]
    ((_, _, gad7),) = page.resources
    assert gad7["interpretation"] == [{"text": "Mild"}] and "derivedFrom" not in gad7
    get_fhir_model_class("Observation").model_validate(gad7)
    FHIRElementFactory.instantiate("Observation", gad7)  # strict R4


def test_the_export_commands_directory_imports_into_an_empty_clinic(leaving_clinic, arriving, tmp_path):
    """`ketacare export --format fhir` then `ketacare import fhir` on its directory: the same records arrive;
    the types KetaCare does not import (sessions, consents, staff ...) are left out, none refused."""
    call_command(
        "export",
        str(tmp_path / "out"),
        "--format",
        "fhir",
        "--organisation",
        leaving_clinic.organisation.slug,
        stdout=io.StringIO(),
    )

    call_command(
        "import",
        "fhir",
        str(tmp_path / "out"),
        "--organisation",
        "arrivals",
        "--source",
        "harbor",
        stdout=io.StringIO(),
    )

    assert normalised(export(arriving)) == normalised(export(leaving_clinic))
