"""API shapes of the controlled-substance ledger."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from ketacare.ledger.models import EntryKind, LedgerEntry, Vial
from ketacare.ledger.selectors.stock import ProductBalance
from ketacare.lib.ids import DbId
from ketacare.lib.text import NO_NUL

Text = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=2000)]
ShortText = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=200)]
Mg = Annotated[Decimal, Field(gt=0, le=1_000_000, decimal_places=3, allow_inf_nan=False)]
Kind = Literal[tuple(EntryKind.values)]


class ProductOut(Schema):
    id: int
    drug: str
    name: str
    ndc: str
    unit: Literal["ml", "device"]
    strength_mg_per_unit: Decimal
    units_per_container: Decimal
    schedule: str
    is_active: bool


class VialOut(Schema):
    id: int
    identifier: str
    location_id: int
    location: str
    product_id: int
    product: str
    drug: str
    lot: str
    expiry_date: dt.date
    initial_quantity_mg: Decimal
    balance_mg: Decimal
    balance_ml: Decimal | None
    balance_devices: int | None


def vial_out(vial: Vial) -> VialOut:
    return VialOut(
        id=vial.pk,
        identifier=vial.identifier,
        location_id=vial.location_id,
        location=vial.location.name,
        product_id=vial.product_id,
        product=vial.product.name,
        drug=vial.product.drug,
        lot=vial.lot,
        expiry_date=vial.expiry_date,
        initial_quantity_mg=vial.initial_quantity_mg,
        balance_mg=vial.balance_mg,
        balance_ml=vial.balance_ml,
        balance_devices=vial.balance_devices,
    )


class BalanceOut(Schema):
    location_id: int
    location: str
    product_id: int
    product: str
    balance_mg: Decimal
    vials_in_stock: int


def balance_out(row: ProductBalance) -> BalanceOut:
    return BalanceOut(
        location_id=row.location.pk,
        location=row.location.name,
        product_id=row.product.pk,
        product=row.product.name,
        balance_mg=row.balance_mg,
        vials_in_stock=row.vial_count,
    )


class EntryOut(Schema):
    id: int
    sequence: int
    kind: str
    occurred_at: dt.datetime
    location_id: int
    vial_id: int
    vial: str
    quantity_mg: Decimal
    volume_ml: Decimal | None
    device_count: int | None
    balance_after_mg: Decimal
    patient_id: int | None
    treatment_session_id: int | None
    created_by: str
    checked_by: str | None
    witness: str | None
    second_witness: str | None
    counterparty_name: str
    document_number: str
    counted_mg: Decimal | None
    discrepancy_mg: Decimal | None
    related_entry_id: int | None
    reason: str
    entry_hash: str


def _username(user) -> str | None:
    return user.get_username() if user else None


def entry_out(entry: LedgerEntry) -> EntryOut:
    return EntryOut(
        id=entry.pk,
        sequence=entry.sequence,
        kind=entry.kind,
        occurred_at=entry.occurred_at,
        location_id=entry.location_id,
        vial_id=entry.vial_id,
        vial=entry.vial.identifier,
        quantity_mg=entry.quantity_mg,
        volume_ml=entry.volume_ml,
        device_count=entry.device_count,
        balance_after_mg=entry.balance_after_mg,
        patient_id=entry.patient_id,
        treatment_session_id=entry.treatment_session_id,
        created_by=entry.created_by.get_username(),
        checked_by=_username(entry.checked_by),
        witness=_username(entry.witness),
        second_witness=_username(entry.second_witness),
        counterparty_name=entry.counterparty_name,
        document_number=entry.document_number,
        counted_mg=entry.counted_mg,
        discrepancy_mg=entry.discrepancy_mg,
        related_entry_id=entry.related_entry_id,
        reason=entry.reason,
        entry_hash=entry.entry_hash,
    )


class ReceiptIn(Schema):
    location_id: DbId
    product_id: DbId
    lot: Annotated[str, StringConstraints(pattern=NO_NUL, min_length=1, max_length=40)]
    expiry_date: dt.date
    container_count: Annotated[int, Field(ge=1, le=500)]
    supplier_name: ShortText
    supplier_address: Text
    supplier_dea_number: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}[0-9]{7}$")]
    invoice_number: Annotated[str, StringConstraints(pattern=NO_NUL, min_length=1, max_length=60)]


class WasteIn(Schema):
    vial_id: DbId
    quantity_mg: Mg
    witness_id: DbId | None = None
    witness_password: Annotated[str, StringConstraints(max_length=200)] = ""
    reason: Text
    patient_id: DbId | None = None
    treatment_session_id: DbId | None = None
