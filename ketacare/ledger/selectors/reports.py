"""Ledger reports for inspection: the dispensing/administration log and the initial or biennial
inventory of one registered location, as rows (report_files.py writes them as CSV and PDF), and
the check of the organisation's hash chain.

CLINICAL.md §6: records per registered location (21 CFR 1304.21), inventory at opening and at
least every 2 years, noting opening or close of business (1304.11); the log fields are the
"suggested log fields" listed there (registrant DEA#, location, drug, NDC, strength, lot, expiry,
transaction type, date-time, quantity in mg and mL, patient, administering person, witness,
running balance). The exact content of 1304.22(c) is UNVERIFIED there.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.chains import LEDGER_PURPOSE, chain_entries, verify_one
from ketacare.audit.checkpoints import Checkpoint
from ketacare.audit.domain.chain import ChainReport
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.ledger.domain.deadlines import retention_until
from ketacare.ledger.models import (
    EntryKind,
    LedgerEntry,
    LedgerSettings,
    Registration,
    Vial,
)
from ketacare.ledger.selectors.stock import location_today
from ketacare.lib.csv_cells import csv_safe
from ketacare.lib.ids import is_db_id

REPORT_KINDS = ("dispensing", "inventory")
INVENTORY_TYPES = ("initial", "biennial")
BUSINESS_TIMES = ("opening", "close")
DISPENSING_KINDS = (EntryKind.ADMINISTRATION, EntryKind.WASTE)

DISPENSING_COLUMNS = (
    "sequence",
    "date_time",
    "transaction",
    "drug",
    "product",
    "ndc",
    "strength",
    "lot",
    "expiry",
    "vial",
    "quantity_mg",
    "volume_ml",
    "devices",
    "patient_record_number",
    "patient_name",
    "patient_address",
    "administered_by",
    "checked_by",
    "witness",
    "balance_after_mg",
    "session_id",
    "note",
)
INVENTORY_COLUMNS = (
    "product",
    "drug",
    "ndc",
    "strength",
    "lot",
    "expiry",
    "vial",
    "balance_mg",
    "balance_ml",
    "balance_devices",
)


@dataclass(frozen=True)
class LedgerReport:
    kind: str
    title: str
    location: Location
    registrant: str
    dea_number: str
    header_lines: list[str]
    columns: tuple[str, ...]
    rows: list[list[str]]
    filename_stem: str


def _mg(value) -> str:
    return "" if value is None else f"{Decimal(value):.3f}"


def _person(user) -> str:
    if user is None:
        return ""
    name = user.display_name
    return f"{name}, {user.title}" if user.title else name


def _patient_address(patient) -> str:
    parts = [patient.address_line, patient.city, patient.region, patient.postal_code]
    return ", ".join(part for part in parts if part)


def _dispensing_row(entry: LedgerEntry, zone) -> list[str]:
    product = entry.vial.product
    patient = entry.patient
    return [
        str(entry.sequence),
        entry.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z"),
        entry.get_kind_display(),
        product.get_drug_display(),
        csv_safe(product.name),
        csv_safe(product.ndc),
        product.strength_label,
        csv_safe(entry.vial.lot),
        entry.vial.expiry_date.isoformat(),
        csv_safe(entry.vial.identifier),
        _mg(entry.quantity_mg),
        _mg(entry.volume_ml),
        "" if entry.device_count is None else str(entry.device_count),
        csv_safe(patient.record_number) if patient else "",
        csv_safe(f"{patient.first_name} {patient.last_name}") if patient else "",
        csv_safe(_patient_address(patient)) if patient else "",
        csv_safe(_person(entry.created_by)),
        csv_safe(_person(entry.checked_by)),
        csv_safe(_person(entry.witness)),
        _mg(entry.balance_after_mg),
        "" if entry.treatment_session_id is None else str(entry.treatment_session_id),
        csv_safe(entry.reason),
    ]


def _inventory_row(vial: Vial) -> list[str]:
    product = vial.product
    ml, devices = vial.balance_ml, vial.balance_devices
    return [
        csv_safe(product.name),
        product.get_drug_display(),
        csv_safe(product.ndc),
        product.strength_label,
        csv_safe(vial.lot),
        vial.expiry_date.isoformat(),
        csv_safe(vial.identifier),
        _mg(vial.balance_mg),
        "" if ml is None else f"{ml:.3f}",
        "" if devices is None else str(devices),
    ]


def _check_choice(value: str, choices: tuple[str, ...], field: str) -> None:
    if value not in choices:
        raise ValidationError({field: f"Choose one of: {', '.join(choices)}."})


@transaction.atomic
def build_report(
    user,
    *,
    location_id: int,
    kind: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    inventory_type: str = "biennial",
    business_time: str = "close",
    audit_format: str = "",
) -> LedgerReport:
    """The report's rows for one location of the user's organisation (audited as an export)."""
    require_permission(user, Permission.LEDGER_REPORT)
    _check_choice(kind, REPORT_KINDS, "kind")
    if not is_db_id(location_id):
        raise ValidationError({"location": "Choose a location."})
    location = Location.objects.filter(pk=location_id, organisation_id=user.organisation_id).first()
    if location is None:
        raise ValidationError({"location": "No such location in your clinic."})
    registration = Registration.objects.filter(location=location).first()
    registrant = registration.registrant_name if registration else location.organisation.name
    dea_number = registration.dea_number if registration else "(not recorded)"
    retention = LedgerSettings.for_organisation(user.organisation_id).retention_years
    now_local = timezone.now().astimezone(location.zone)
    header = [
        f"Registrant: {registrant}    DEA number: {dea_number}",
        f"Location: {location.name}" + (f", {' '.join(location.address.split())}" if location.address else ""),
        f"Prepared {now_local:%Y-%m-%d %H:%M %Z} by {_person(user)}",
        f"Keep until {retention_until(location_today(location), retention)} "
        f"(retention {retention} years; 21 CFR 1304.04: at least 2)",
    ]
    if kind == "dispensing":
        if date_from and date_to and date_to < date_from:
            raise ValidationError({"date_to": "The end date is before the start date."})
        entries = (
            LedgerEntry.objects.filter(
                organisation_id=user.organisation_id, location=location, kind__in=DISPENSING_KINDS
            )
            .select_related("vial", "vial__product", "patient", "created_by", "checked_by", "witness")
            .order_by("sequence")
        )
        if date_from:
            entries = entries.filter(occurred_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=location.zone))
        if date_to:
            end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=location.zone)
            entries = entries.filter(occurred_at__lt=end)
        rows = [_dispensing_row(entry, location.zone) for entry in entries]
        period = f"{date_from or 'first entry'} to {date_to or 'today'}"
        header.append(f"Dispensing and administration log, {period}")
        title = "Controlled-substance dispensing log"
        columns = DISPENSING_COLUMNS
    else:
        _check_choice(inventory_type, INVENTORY_TYPES, "inventory_type")
        _check_choice(business_time, BUSINESS_TIMES, "business_time")
        vials = (
            Vial.objects.filter(organisation_id=user.organisation_id, location=location, balance_mg__gt=0)
            .select_related("product")
            .order_by("product__name", "expiry_date", "identifier")
        )
        rows = [_inventory_row(vial) for vial in vials]
        header.append(
            f"{inventory_type.title()} inventory taken at {business_time} of business; opened Schedule III "
            "containers are recorded as the book balance (an estimated measure is allowed, 21 CFR 1304.11)"
        )
        title = f"Controlled-substance {inventory_type} inventory"
        columns = INVENTORY_COLUMNS
    record_event(
        user,
        AuditAction.EXPORT,
        location,
        detail={
            "report": f"ledger_{kind}",
            "format": audit_format,
            "rows": len(rows),
        },
    )
    stem = f"ledger-{kind}-{location.pk}-{now_local:%Y%m%d}"
    return LedgerReport(kind, title, location, registrant, dea_number, header, columns, rows, stem)


def organisation_chain(organisation_id: int):
    """The organisation's entries as chain links, in sequence order."""
    return chain_entries(LedgerEntry.objects.filter(organisation_id=organisation_id))


def verify_organisation_chain(organisation_id: int, checkpoint: Checkpoint | None = None) -> ChainReport:
    """Hashes, links and signatures of the organisation's chain, and, with a checkpoint, that none of
    the entries it recorded has vanished."""
    return verify_one(organisation_chain(organisation_id), LEDGER_PURPOSE, organisation_id, checkpoint)


def verify_ledger(user) -> ChainReport:
    """The same check as `ketacare ledger verify`, for the user's organisation."""
    require_permission(user, Permission.LEDGER_REPORT)
    return verify_organisation_chain(user.organisation_id)
