"""The spreadsheet half of the clinic's export: flat CSV tables, one row per record, streamed.

Each table is a queryset of the organisation's rows (merged duplicate patients left out, as the FHIR
interface leaves them out) and its columns. Text a person typed goes through lib/csv_cells.py, so a cell
that starts with `=`, `+`, `-` or `@` opens as text, never as a formula; numbers, dates and times (UTC,
ISO 8601) are written as they are.
"""

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from ketacare.consents.models import SignedConsent
from ketacare.lib.csv_cells import csv_safe
from ketacare.measures.models import QuestionnaireResponse
from ketacare.patients.models import Allergy, Diagnosis, Medication, Patient, WeightMeasurement
from ketacare.scheduling.models import Appointment
from ketacare.treatments.models import DosePreparation, SessionDevice, TreatmentSession, VitalSign

Column = tuple[str, Callable[[Any], Any]]


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | int | Decimal):
        return str(value)
    if isinstance(value, dict | list):  # subscales: JSON, as a spreadsheet cell
        value = json.dumps(value, ensure_ascii=False)
    return csv_safe(str(value))


def field(path: str) -> Callable[[Any], Any]:
    """The value at `a__b__c` (None when a link on the way is empty)."""

    def get(row: Any) -> Any:
        for part in path.split("__"):
            row = getattr(row, part, None)
            if row is None:
                return None
        return row

    return get


def person(path: str) -> Callable[[Any], Any]:
    """A staff member's name at `path` (blank when nobody)."""
    user = field(path)
    return lambda row: getattr(user(row), "display_name", None)


def columns(*names: str) -> tuple[Column, ...]:
    return tuple((name, field(name)) for name in names)


PATIENT_COLUMNS: tuple[Column, ...] = (
    ("patient_id", field("patient_id")),
    ("record_number", field("patient__record_number")),
)
# A row of a treatment session's chart: its session, and that session's patient.
SESSION_COLUMNS: tuple[Column, ...] = (
    ("session_id", field("session_id")),
    ("patient_id", field("session__patient_id")),
    ("record_number", field("session__patient__record_number")),
)


@dataclass(frozen=True)
class Table:
    name: str  # the file is <name>.csv
    rows: Callable[[int], QuerySet]  # the organisation's rows, related rows joined
    columns: tuple[Column, ...]


def _of_patients(model, organisation_id: int, path: str = "patient", *related: str) -> QuerySet:
    return model.objects.filter(
        **{f"{path}__organisation_id": organisation_id, f"{path}__merged_into__isnull": True}
    ).select_related(path, *related)


def _revocation(consent: SignedConsent, attribute: str) -> Any:
    try:
        return getattr(consent.revocation, attribute)
    except ObjectDoesNotExist:  # not revoked
        return None


TABLES: tuple[Table, ...] = (
    Table(
        "patients",
        lambda org: Patient.objects.filter(organisation_id=org, merged_into__isnull=True).select_related(
            "home_location"
        ),
        (
            ("patient_id", field("pk")),
            *columns(
                "record_number",
                "first_name",
                "last_name",
                "preferred_name",
                "date_of_birth",
                "sex_at_birth",
                "gender_identity",
                "pronouns",
                "email",
                "phone",
                "address_line",
                "city",
                "region",
                "postal_code",
                "country",
                "emergency_contact_name",
                "emergency_contact_relationship",
                "emergency_contact_phone",
                "referring_clinician_name",
                "referring_clinician_practice",
                "referring_clinician_phone",
                "referring_clinician_email",
            ),
            ("home_location", field("home_location__name")),
            *columns("stage", "created_at"),
        ),
    ),
    Table(
        "diagnoses",
        lambda org: _of_patients(Diagnosis, org, "patient", "recorded_by"),
        (
            ("diagnosis_id", field("pk")),
            *PATIENT_COLUMNS,
            *columns("icd10_code", "description", "onset_date", "status"),
            ("recorded_by", person("recorded_by")),
            *columns("recorded_at"),
        ),
    ),
    Table(
        "medications",
        lambda org: _of_patients(Medication, org, "patient", "recorded_by"),
        (
            ("medication_id", field("pk")),
            *PATIENT_COLUMNS,
            *columns("name", "dose", "frequency", "started_on", "stopped_on", "status"),
            ("recorded_by", person("recorded_by")),
            *columns("recorded_at"),
        ),
    ),
    Table(
        "allergies",
        lambda org: _of_patients(Allergy, org, "patient", "recorded_by"),
        (
            ("allergy_id", field("pk")),
            *PATIENT_COLUMNS,
            *columns("substance", "reaction", "severity", "status"),
            ("recorded_by", person("recorded_by")),
            *columns("recorded_at"),
        ),
    ),
    Table(
        "weights",
        lambda org: _of_patients(WeightMeasurement, org),
        (("weight_id", field("pk")), *PATIENT_COLUMNS, *columns("weight_kg", "measured_on", "recorded_at")),
    ),
    Table(
        "appointments",
        lambda org: _of_patients(
            Appointment, org, "patient", "location", "appointment_type", "chair", "clinician", "monitoring_nurse"
        ),
        (
            ("appointment_id", field("pk")),
            *PATIENT_COLUMNS,
            ("location", field("location__name")),
            ("time_zone", field("location__time_zone")),
            ("appointment_type", field("appointment_type__name")),
            *columns("starts_at", "ends_at", "status", "status_reason"),
            ("chair", field("chair__name")),
            ("clinician", person("clinician")),
            ("monitoring_nurse", person("monitoring_nurse")),
            *columns("notes"),
        ),
    ),
    Table(
        "sessions",
        lambda org: _of_patients(
            TreatmentSession, org, "patient", "location", "monitoring_clinician", "prescriber", "administered_by"
        ),
        (
            ("session_id", field("pk")),
            *PATIENT_COLUMNS,
            ("location", field("location__name")),
            ("time_zone", field("location__time_zone")),
            *columns("plan_id", "route", "drug", "status", "checked_in_at", "weight_kg"),
            *columns("administration_started_at", "administration_stopped_at", "discharged_at", "signed_at"),
            ("monitoring_clinician", person("monitoring_clinician")),
            ("prescriber", person("prescriber")),
            ("administered_by", person("administered_by")),
            *columns("hold_reason", "override_reason", "cancelled_reason"),
        ),
    ),
    Table(
        "session_doses",
        lambda org: _of_patients(DosePreparation, org, "session__patient", "drawn_by", "checked_by"),
        (
            ("dose_id", field("pk")),
            *SESSION_COLUMNS,
            *columns("drawn_at", "dose_mg", "dose_mg_per_kg", "volume_ml", "concentration_mg_per_ml", "lot"),
            *columns("ledger_entry_id", "wasted_mg", "wasted_at"),
            ("drawn_by", person("drawn_by")),
            ("checked_by", person("checked_by")),
        ),
    ),
    Table(
        "esketamine_devices",
        lambda org: _of_patients(SessionDevice, org, "session__patient", "recorded_by"),
        (
            ("device_id", field("pk")),
            *SESSION_COLUMNS,
            *columns("sequence", "administered_at", "dose_mg", "rest_minutes"),
            ("recorded_by", person("recorded_by")),
        ),
    ),
    Table(
        "vitals",
        lambda org: _of_patients(VitalSign, org, "session__patient", "recorded_by"),
        (
            ("vital_id", field("pk")),
            *SESSION_COLUMNS,
            *columns("recorded_at", "phase", "minute", "systolic_mmhg", "diastolic_mmhg", "heart_rate_bpm"),
            *columns("spo2_percent", "respiratory_rate_per_min"),
            ("recorded_by", person("recorded_by")),
        ),
    ),
    Table(
        "questionnaire_scores",
        lambda org: _of_patients(QuestionnaireResponse, org, "patient", "entered_by"),
        (
            ("response_id", field("pk")),
            *PATIENT_COLUMNS,
            *columns("instrument", "instrument_version", "status", "total", "severity", "subscales"),
            *columns("submitted_at", "channel", "amends_id"),
            ("entered_by", person("entered_by")),
        ),
    ),
    Table(
        "consents",
        lambda org: _of_patients(SignedConsent, org, "patient", "template", "revocation"),
        (
            ("consent_id", field("pk")),
            *PATIENT_COLUMNS,
            ("title", field("template__title")),
            ("version", field("template__version")),
            *columns("signed_at", "expires_at", "typed_name", "channel", "text_sha256"),
            ("revoked_at", lambda consent: _revocation(consent, "revoked_at")),
            ("revocation_reason", lambda consent: _revocation(consent, "reason")),
        ),
    ),
)


def write_table(table: Table, organisation_id: int, outdir: Path, *, chunk_size: int = 1000) -> int:
    """Write `<name>.csv` (a header row, then one row per record, streamed); the number of records."""
    count = 0
    with (outdir / f"{table.name}.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow([header for header, _ in table.columns])
        for row in table.rows(organisation_id).order_by("pk").iterator(chunk_size=chunk_size):
            writer.writerow([cell(value(row)) for _, value in table.columns])
            count += 1
    return count


def write_csv_files(organisation_id: int, outdir: Path) -> Iterator[tuple[str, str, int]]:
    """Write every table; yields (file, table, count)."""
    for table in TABLES:
        yield f"{table.name}.csv", table.name, write_table(table, organisation_id, outdir)
