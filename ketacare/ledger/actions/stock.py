"""Stock coming in, moving, counted and leaving: receipts, transfers between locations, physical
counts and the resolution of their discrepancies, and disposal (expired, returned, destroyed)."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import lock_chain as lock_audit_chain
from ketacare.ledger.actions.common import (
    append_entry,
    audit_entry,
    lock_ledger,
    locked_vial,
    own_location,
    positive_decimal,
    signing_colleague,
)
from ketacare.ledger.models import EntryKind, LedgerEntry, Product, Vial
from ketacare.ledger.selectors.stock import location_today
from ketacare.lib.ids import is_db_id
from ketacare.lib.text import clean_text

DISPOSAL_KINDS = (EntryKind.EXPIRED, EntryKind.RETURNED, EntryKind.DESTROYED)


def _occurred_at(value, field: str = "occurred_at") -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise ValidationError({field: "Give a date and time with its time zone."})
    if value > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({field: "This is in the future."})
    return value


@transaction.atomic
def do_record_receipt(
    actor,
    *,
    location_id: int,
    product_id: int,
    lot: str,
    expiry_date: dt.date,
    container_count: int,
    supplier_name: str,
    supplier_address: str,
    supplier_dea_number: str,
    invoice_number: str,
    identifier_prefix: str = "",
    occurred_at: dt.datetime | None = None,
) -> list[LedgerEntry]:
    """Containers received from a supplier: one stock item per vial (or kit), each with a receipt entry."""
    require_permission(actor, Permission.LEDGER_RECORD)
    location = own_location(actor, location_id)
    if not is_db_id(product_id):
        raise ValidationError({"product_id": "Choose a product."})
    product = Product.objects.filter(pk=product_id, organisation_id=actor.organisation_id, is_active=True).first()
    if product is None:
        raise ValidationError({"product_id": "No such product in your clinic."})
    lot = clean_text("lot", lot, required=True, max_chars=40)
    if not isinstance(expiry_date, dt.date):
        raise ValidationError({"expiry_date": "Give the expiry date."})
    if expiry_date < location_today(location):
        raise ValidationError(
            {"expiry_date": "This stock has already expired; record it as received and expired separately."}
        )
    if not isinstance(container_count, int) or not 1 <= container_count <= 500:
        raise ValidationError({"container_count": "Give a number of containers from 1 to 500."})
    supplier = {
        "counterparty_name": clean_text("supplier_name", supplier_name, required=True, max_chars=200),
        "counterparty_address": clean_text("supplier_address", supplier_address, required=True),
        "counterparty_dea_number": clean_text(
            "supplier_dea_number", supplier_dea_number, required=True, max_chars=9
        ).upper(),
        "document_number": clean_text("invoice_number", invoice_number, required=True, max_chars=60),
    }
    prefix = clean_text("identifier_prefix", identifier_prefix, max_chars=40) or lot
    occurred_at = _occurred_at(occurred_at)
    lock_audit_chain(actor.organisation_id)
    lock_ledger(actor.organisation_id)
    taken = set(
        Vial.objects.filter(organisation_id=actor.organisation_id, identifier__startswith=f"{prefix}-").values_list(
            "identifier", flat=True
        )
    )
    entries = []
    number = 0
    for _ in range(container_count):
        number += 1
        while f"{prefix}-{number}" in taken:
            number += 1
        vial = Vial.objects.create(
            organisation_id=actor.organisation_id,
            location=location,
            product=product,
            identifier=f"{prefix}-{number}",
            lot=lot,
            expiry_date=expiry_date,
            initial_quantity_mg=product.container_mg,
        )
        entry = append_entry(actor, vial, EntryKind.RECEIPT, product.container_mg, occurred_at=occurred_at, **supplier)
        audit_entry(actor, entry, invoice=supplier["document_number"])
        entries.append(entry)
    return entries


@transaction.atomic
def do_record_transfer(
    actor,
    *,
    vial_id: int,
    to_location_id: int,
    reason: str = "",
) -> tuple[LedgerEntry, LedgerEntry]:
    """Move a stock item's remaining content to another location of the clinic: a transfer out of the
    item and, paired with it, a transfer in to a new item (same lot) at the destination."""
    require_permission(actor, Permission.LEDGER_RECORD)
    reason = clean_text("reason", reason)
    destination = own_location(actor, to_location_id, "to_location_id")
    vial = locked_vial(actor, vial_id)
    if destination.pk == vial.location_id:
        raise ValidationError({"to_location_id": "The vial is already at this location."})
    quantity = vial.balance_mg
    if quantity <= 0:
        raise ValidationError({"vial_id": "This vial is empty; there is nothing to transfer."})
    out = append_entry(
        actor, vial, EntryKind.TRANSFER_OUT, -quantity, reason=reason, counterparty_name=destination.name
    )
    moved = Vial.objects.create(
        organisation_id=vial.organisation_id,
        location=destination,
        product=vial.product,
        identifier=f"{vial.identifier}-T{out.sequence}",
        lot=vial.lot,
        expiry_date=vial.expiry_date,
        initial_quantity_mg=quantity,
    )
    incoming = append_entry(
        actor,
        moved,
        EntryKind.TRANSFER_IN,
        quantity,
        related_entry=out,
        reason=reason,
        counterparty_name=vial.location.name,
    )
    audit_entry(actor, out, to=destination.name)
    audit_entry(actor, incoming, from_=vial.location.name)
    return out, incoming


@transaction.atomic
def do_record_count(actor, *, vial_id: int, counted_mg, note: str = "") -> LedgerEntry:
    """A physical count of a stock item; a difference from the book is an open discrepancy until a
    prescriber resolves it."""
    require_permission(actor, Permission.LEDGER_RECORD)
    try:
        counted = Decimal(str(counted_mg))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"counted_mg": "Give a number (mg)."}) from None
    if not counted.is_finite() or counted < 0 or counted != counted.quantize(Decimal("0.001")) or counted >= 10**9:
        raise ValidationError({"counted_mg": "Give the counted quantity, 0 or more, to at most 3 decimal places (mg)."})
    note = clean_text("note", note)
    vial = locked_vial(actor, vial_id)
    entry = append_entry(
        actor,
        vial,
        EntryKind.COUNT,
        Decimal("0"),
        counted_mg=counted,
        discrepancy_mg=counted - vial.balance_mg,
        reason=note,
    )
    audit_entry(actor, entry, counted_mg=str(counted), discrepancy_mg=str(entry.discrepancy_mg))
    return entry


@transaction.atomic
def do_resolve_discrepancy(actor, *, count_entry_id: int, reason: str) -> LedgerEntry:
    """A prescriber resolves a count's discrepancy: the book is brought to the count, with a reason.
    A loss that may be theft or significant is also reported (do_report_theft_loss)."""
    require_permission(actor, Permission.LEDGER_RESOLVE)
    reason = clean_text("reason", reason, required=True)
    if not is_db_id(count_entry_id):
        raise ValidationError({"count_entry_id": "Choose a count."})
    count = LedgerEntry.objects.filter(
        pk=count_entry_id, organisation_id=actor.organisation_id, kind=EntryKind.COUNT
    ).first()
    if count is None:
        raise ValidationError({"count_entry_id": "No such count in your clinic."})
    vial = locked_vial(actor, count.vial_id, "count_entry_id")
    if not count.discrepancy_mg:
        raise ValidationError({"count_entry_id": "This count matched the book; there is nothing to resolve."})
    if LedgerEntry.objects.filter(related_entry=count, kind=EntryKind.ADJUSTMENT).exists():
        raise ValidationError({"count_entry_id": "This discrepancy is already resolved."})
    entry = append_entry(
        actor,
        vial,
        EntryKind.ADJUSTMENT,
        count.discrepancy_mg,
        field="count_entry_id",
        related_entry=count,
        reason=reason,
    )
    audit_entry(actor, entry, resolves=count.sequence)
    return entry


@transaction.atomic
def do_record_disposal(
    actor,
    *,
    vial_id: int,
    kind: str,
    quantity_mg=None,
    reason: str = "",
    counterparty_name: str = "",
    counterparty_address: str = "",
    counterparty_dea_number: str = "",
    document_number: str = "",
    witness=None,
    second_witness=None,
) -> LedgerEntry:
    """Stock leaving the clinic's use: expired (quarantined), returned to a reverse distributor, or
    destroyed on DEA Form 41 with two authorised-employee witnesses (CLINICAL.md §6).
    No quantity: the item's whole balance."""
    require_permission(actor, Permission.LEDGER_RECORD)
    if kind not in DISPOSAL_KINDS:
        raise ValidationError({"kind": "Choose expired, returned or destroyed."})
    reason = clean_text("reason", reason)
    party = {
        "counterparty_name": clean_text("counterparty_name", counterparty_name, max_chars=200),
        "counterparty_address": clean_text("counterparty_address", counterparty_address),
        "counterparty_dea_number": clean_text("counterparty_dea_number", counterparty_dea_number, max_chars=9).upper(),
        "document_number": clean_text("document_number", document_number, max_chars=60),
    }
    if kind == EntryKind.RETURNED and not party["counterparty_name"]:
        raise ValidationError({"counterparty_name": "Name the reverse distributor."})
    witnesses = {}
    if kind == EntryKind.DESTROYED:
        witnesses["witness"] = signing_colleague(actor, witness, "witness", Permission.LEDGER_VIEW)
        witnesses["second_witness"] = signing_colleague(actor, second_witness, "second_witness", Permission.LEDGER_VIEW)
        if witnesses["witness"].pk == witnesses["second_witness"].pk:
            raise ValidationError({"second_witness": "Two different witnesses sign DEA Form 41."})
    vial = locked_vial(actor, vial_id)
    quantity = vial.balance_mg if quantity_mg in (None, "") else positive_decimal(quantity_mg, "quantity_mg")
    if quantity <= 0:
        raise ValidationError({"vial_id": "This vial is empty."})
    entry = append_entry(actor, vial, EntryKind(kind), -quantity, reason=reason, **party, **witnesses)
    audit_entry(actor, entry)
    return entry
