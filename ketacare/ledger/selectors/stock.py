"""Access-checked reads of stock: the clinic's locations, stock items and their balances, the
entries of the chain, and counts (open discrepancies)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.ledger.domain.quantities import MG_PLACES
from ketacare.ledger.models import EntryKind, LedgerEntry, Product, Vial
from ketacare.lib.ids import db_id_or_zero

ENTRY_PAGE = 200


def location_today(location: Location) -> dt.date:
    return timezone.localdate(timezone=location.zone)


def access_location(user, location_id) -> Location:
    require_permission(user, Permission.LEDGER_VIEW)
    location = Location.objects.filter(pk=db_id_or_zero(location_id), organisation_id=user.organisation_id).first()
    if location is None:
        raise Http404("No such location")
    return location


def ledger_locations(user, *, other_than_id: int | None = None) -> QuerySet[Location]:
    """The organisation's locations; `other_than_id`: all but that one (where a transfer can go)."""
    require_permission(user, Permission.LEDGER_VIEW)
    found = Location.objects.filter(organisation_id=user.organisation_id)
    if other_than_id is not None:
        found = found.exclude(pk=other_than_id)
    return found.order_by("name")


def vials(user, *, location_id: int | None = None, include_empty: bool = False) -> QuerySet[Vial]:
    require_permission(user, Permission.LEDGER_VIEW)
    found = Vial.objects.filter(organisation_id=user.organisation_id).select_related("product", "location")
    if location_id is not None:
        found = found.filter(location_id=location_id)
    if not include_empty:
        found = found.filter(balance_mg__gt=0)
    return found.order_by("location__name", "product__name", "expiry_date", "identifier")


@dataclass(frozen=True)
class ProductBalance:
    location: Location
    product: Product
    balance_mg: Decimal
    vial_count: int


def product_balances(user, location: Location | None = None) -> list[ProductBalance]:
    """Per location and product: the sum of its stock items' balances."""
    require_permission(user, Permission.LEDGER_VIEW)
    rows = Vial.objects.filter(organisation_id=user.organisation_id)
    if location is not None:
        rows = rows.filter(location=location)
    totals = rows.values("location_id", "product_id").annotate(
        balance=Sum("balance_mg"), count=Count("pk", filter=Q(balance_mg__gt=0))
    )
    locations = {loc.pk: loc for loc in Location.objects.filter(organisation_id=user.organisation_id)}
    products_by_id = {p.pk: p for p in Product.objects.filter(organisation_id=user.organisation_id)}
    result = [
        ProductBalance(
            locations[row["location_id"]],
            products_by_id[row["product_id"]],
            # SQLite sums decimals as floating point: back to the mg precision.
            (row["balance"] or Decimal("0")).quantize(MG_PLACES),
            row["count"],
        )
        for row in totals
    ]
    return sorted(result, key=lambda b: (b.location.name, b.product.name))


def access_vial(user, vial_id) -> Vial:
    require_permission(user, Permission.LEDGER_VIEW)
    vial = (
        Vial.objects.select_related("product", "location")
        .filter(pk=db_id_or_zero(vial_id), organisation_id=user.organisation_id)
        .first()
    )
    if vial is None:
        raise Http404("No such vial")
    return vial


def _entries(user) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(organisation_id=user.organisation_id).select_related(
        "vial",
        "vial__product",
        "location",
        "patient",
        "created_by",
        "checked_by",
        "witness",
        "second_witness",
    )


def access_vial_history(user, vial_id) -> tuple[Vial, list[LedgerEntry]]:
    """A stock item with its entries, oldest first (audited: the entries name patients)."""
    vial = access_vial(user, vial_id)
    entries = list(_entries(user).filter(vial=vial).order_by("sequence"))
    record_event(user, AuditAction.VIEW, vial, detail={"entries": len(entries)})
    return vial, entries


def resolved_count_ids(history: list[LedgerEntry]) -> set[int]:
    """The counts of a stock item's history that an adjustment resolved. The adjustment is booked on
    the counted item itself (do_resolve_discrepancy), so the history holds it."""
    return {entry.related_entry_id for entry in history if entry.kind == EntryKind.ADJUSTMENT}


def entry_list(
    user, *, location_id: int | None = None, kind: str = "", after_sequence: int = 0, limit: int = ENTRY_PAGE
) -> list[LedgerEntry]:
    """The organisation's entries in chain order (audited as a list)."""
    require_permission(user, Permission.LEDGER_VIEW)
    entries = _entries(user).filter(sequence__gt=after_sequence)
    if location_id is not None:
        entries = entries.filter(location_id=location_id)
    if kind:
        entries = entries.filter(kind=kind)
    rows = list(entries.order_by("sequence")[:limit])
    record_event(
        user,
        AuditAction.LIST,
        object_type="ledger.ledgerentry",
        detail={
            "location_id": location_id,
            "kind": kind,
            "after_sequence": after_sequence,
            "rows": len(rows),
        },
    )
    return rows


def access_count(user, entry_id) -> LedgerEntry:
    """A physical count of the user's organisation (404 otherwise)."""
    require_permission(user, Permission.LEDGER_VIEW)
    count = _entries(user).filter(pk=db_id_or_zero(entry_id), kind=EntryKind.COUNT).first()
    if count is None:
        raise Http404("No such count")
    return count


def open_discrepancies(user, location: Location | None = None) -> list[LedgerEntry]:
    """Counts that differed from the book and are not yet resolved."""
    require_permission(user, Permission.LEDGER_VIEW)
    resolved = LedgerEntry.objects.filter(organisation_id=user.organisation_id, kind=EntryKind.ADJUSTMENT).values(
        "related_entry_id"
    )
    counts = _entries(user).filter(kind=EntryKind.COUNT).exclude(discrepancy_mg=0).exclude(pk__in=resolved)
    if location is not None:
        counts = counts.filter(location=location)
    return list(counts.order_by("sequence"))
