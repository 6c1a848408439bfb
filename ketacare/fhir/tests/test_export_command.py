"""`ketacare export --format fhir|csv OUTDIR`: the whole organisation as FHIR NDJSON or flat CSVs, with every
document and a manifest; bad arguments name themselves and write nothing. (The demo clinic's export is
checked in site/tests/test_seed_demo.py, on the demo that module seeds once.)"""

import csv
import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.patients.models import Diagnosis


def export(tmp_path, org, export_format: str, name: str = "out"):
    outdir = tmp_path / name
    call_command("export", str(outdir), "--format", export_format, "--organisation", org.slug)
    return outdir


def ndjson(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_fhir_export_writes_every_type_as_ndjson_fhirclient_parses(
    record, other_org_patient, org, staff, tmp_path, capsys
):
    outdir = export(tmp_path, org, "fhir")

    manifest = json.loads((outdir / "manifest.json").read_text())
    files = {entry["type"]: entry for entry in manifest["files"]}
    for type_name in (
        "Patient", "Practitioner", "Location", "Organization", "Condition", "AllergyIntolerance",
        "MedicationStatement", "Observation", "QuestionnaireResponse", "CarePlan", "Appointment", "Encounter",
        "MedicationAdministration", "Consent", "DocumentReference", "Questionnaire",
    ):  # fmt: skip
        resources = ndjson(outdir / f"{type_name}.ndjson")
        assert len(resources) == files[type_name]["count"] > 0, type_name
        for resource in resources:
            assert resource["resourceType"] == type_name
            FHIRElementFactory.instantiate(type_name, resource)  # strict R4 models: a bad element raises
    patients = {resource["id"] for resource in ndjson(outdir / "Patient.ndjson")}
    assert str(record.patient.pk) in patients and str(other_org_patient.pk) not in patients
    # Every source, whatever a role may read: the operator exports the whole clinic.
    assert f"dose-{record.dose.pk}" in {r["id"] for r in ndjson(outdir / "MedicationAdministration.ndjson")}
    assert {entry["file"] for entry in manifest["files"]} | {"manifest.json", "documents.csv", "documents"} == {
        path.name for path in outdir.iterdir()
    }
    assert manifest["organisation"]["slug"] == org.slug and manifest["ketacareVersion"]
    assert f"exported {org.slug} as fhir" in capsys.readouterr().out


def test_the_export_carries_every_document_with_its_index(record, org, tmp_path):
    outdir = export(tmp_path, org, "fhir")

    with (outdir / "documents.csv").open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    kinds = {(row["kind"], row["source_id"]) for row in rows}
    assert ("signed_consent", str(record.consent.pk)) in kinds
    assert ("session_record", str(record.iv_session.pk)) in kinds
    assert ("uploaded_referral", str(record.private_document.pk)) in kinds
    for row in rows:
        assert row["patient_id"] == str(record.patient.pk) and not row["problem"]
        content = (outdir / row["file"]).read_bytes()
        assert content.startswith(b"%PDF")
        assert (len(content), hashlib.sha256(content).hexdigest()) == (int(row["size_bytes"]), row["sha256"])
    consent_key = ("signed_consent", str(record.consent.pk))
    (consent_row,) = [row for row in rows if (row["kind"], row["source_id"]) == consent_key]
    assert (outdir / consent_row["file"]).read_bytes() == bytes(record.consent.pdf)
    assert consent_row["file"] == f"documents/{record.patient.pk}/consent-{record.consent.pk}.pdf"
    manifest = json.loads((outdir / "manifest.json").read_text())
    assert sum(manifest["documents"]["counts"].values()) == len(rows)


def test_the_export_is_audited_once_naming_the_command(record, org, tmp_path):
    before = AuditEntry.objects.count()
    export(tmp_path, org, "csv")
    (entry,) = AuditEntry.objects.filter(action=AuditAction.EXPORT, organisation=org, actor=None)
    assert AuditEntry.objects.count() == before + 1
    assert entry.detail["via"] == "ketacare export" and entry.detail["format"] == "csv"
    assert entry.detail["counts"]["patients"] == 1


def test_csv_export_writes_flat_tables_with_formula_cells_neutralised(record, org, staff, tmp_path):
    Diagnosis.objects.create(
        patient=record.patient, icd10_code="F41.1", description='=HYPERLINK("http://evil","x")',
        recorded_by=staff["prescriber"],
    )  # fmt: skip
    outdir = export(tmp_path, org, "csv")

    def table(name: str) -> list[dict]:
        with (outdir / f"{name}.csv").open(newline="", encoding="utf-8") as stream:
            return list(csv.DictReader(stream))

    (patient,) = table("patients")
    assert (patient["patient_id"], patient["record_number"]) == (str(record.patient.pk), record.patient.record_number)
    descriptions = {row["description"] for row in table("diagnoses")}
    assert descriptions == {"MDD, recurrent, severe", """'=HYPERLINK("http://evil","x")"""}
    dose = next(row for row in table("session_doses") if row["dose_id"] == str(record.dose.pk))
    assert (dose["session_id"], dose["dose_mg"], dose["lot"]) == (str(record.iv_session.pk), "35.000", "KET-LOT-7")
    assert {row["session_id"] for row in table("vitals")} == {str(record.esketamine_session.pk)}
    assert table("questionnaire_scores")[0]["total"] == "18"
    assert table("consents") and table("appointments") and table("allergies") and table("medications")
    assert len(table("esketamine_devices")) == record.esketamine_session.devices.count()
    manifest = json.loads((outdir / "manifest.json").read_text())
    assert {entry["file"]: entry["count"] for entry in manifest["files"]}["diagnoses.csv"] == 2
    assert (outdir / "documents.csv").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--format", "fhir"], "--organisation: give the organisation's slug."),
        (["--format", "fhir", "--organisation", "nowhere"], "--organisation: no organisation 'nowhere'."),
        (["--format", "xml", "--organisation", "harbor"], "--format: 'xml' is not a format: choose fhir or csv."),
    ],
)
def test_bad_arguments_name_themselves_and_write_nothing(record, org, other_org, tmp_path, arguments, message):
    outdir = tmp_path / "new"
    arguments = [a.replace("harbor", org.slug) for a in arguments]
    with pytest.raises(CommandError) as failure:
        call_command("export", str(outdir), *arguments)
    assert str(failure.value) == message
    assert failure.value.returncode == 2
    assert not outdir.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT, actor=None).exists()


def test_a_directory_that_is_not_empty_or_a_file_is_refused(record, org, tmp_path):
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("mine")
    for outdir, message in (
        (kept, f"OUTDIR: {kept} is not empty: give a new or empty directory."),
        (kept / "notes.txt", f"OUTDIR: {kept / 'notes.txt'} is a file, not a directory."),
        (tmp_path / "missing" / "out", f"OUTDIR: {tmp_path / 'missing'} does not exist."),
    ):
        with pytest.raises(CommandError) as failure:
            call_command("export", str(outdir), "--format", "csv", "--organisation", org.slug)
        assert str(failure.value) == message
    assert [path.name for path in kept.iterdir()] == ["notes.txt"]
    assert not (tmp_path / "missing").exists()
    # An empty directory is fine.
    empty = tmp_path / "empty"
    empty.mkdir()
    call_command("export", str(empty), "--format", "csv", "--organisation", org.slug)
    assert (empty / "manifest.json").exists()
