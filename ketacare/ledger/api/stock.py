"""REST endpoints of stock (/api/v1/ledger): stock items, balances, the entries of the chain, receipts."""

from ninja import Query, Router, Schema

from ketacare.ledger.actions.stock import do_record_receipt
from ketacare.ledger.schemas import (
    BalanceOut,
    EntryOut,
    Kind,
    ReceiptIn,
    VialOut,
    balance_out,
    entry_out,
    vial_out,
)
from ketacare.ledger.selectors import stock as stock_selectors
from ketacare.lib.api import READ_ERRORS, WRITE_ERRORS
from ketacare.lib.ids import DB_ID_MAX, DbId

router = Router()


class VialFilter(Schema):
    location_id: DbId | None = None
    include_empty: bool = False


class BalanceFilter(Schema):
    location_id: DbId | None = None


class EntryFilter(Schema):
    location_id: DbId | None = None
    kind: Kind | None = None
    after_sequence: int = Query(0, ge=0, le=DB_ID_MAX)
    limit: int = Query(stock_selectors.ENTRY_PAGE, ge=1, le=stock_selectors.ENTRY_PAGE)


@router.get("/vials", response={200: list[VialOut], **READ_ERRORS}, operation_id="ketacare_ledger_api_list_vials")
def list_vials(request, filters: Query[VialFilter]):
    """Stock items with their balances (in stock only, unless include_empty)."""
    if filters.location_id is not None:
        stock_selectors.access_location(request.auth, filters.location_id)
    found = stock_selectors.vials(request.auth, location_id=filters.location_id, include_empty=filters.include_empty)
    return [vial_out(vial) for vial in found]


@router.get(
    "/balances", response={200: list[BalanceOut], **READ_ERRORS}, operation_id="ketacare_ledger_api_list_balances"
)
def list_balances(request, filters: Query[BalanceFilter]):
    """Per location and product: the sum of its stock items' balances."""
    location = None
    if filters.location_id is not None:
        location = stock_selectors.access_location(request.auth, filters.location_id)
    return [balance_out(row) for row in stock_selectors.product_balances(request.auth, location)]


@router.get("/entries", response={200: list[EntryOut], **READ_ERRORS}, operation_id="ketacare_ledger_api_list_entries")
def list_entries(request, filters: Query[EntryFilter]):
    """Entries in chain order; page with after_sequence (audited)."""
    if filters.location_id is not None:
        stock_selectors.access_location(request.auth, filters.location_id)
    rows = stock_selectors.entry_list(
        request.auth,
        location_id=filters.location_id,
        kind=filters.kind or "",
        after_sequence=filters.after_sequence,
        limit=filters.limit,
    )
    return [entry_out(entry) for entry in rows]


@router.post(
    "/receipts", response={201: list[EntryOut], **WRITE_ERRORS}, operation_id="ketacare_ledger_api_record_receipt"
)
def record_receipt(request, payload: ReceiptIn):
    """Containers received from a supplier: one stock item and one receipt entry per container."""
    entries = do_record_receipt(request.auth, **payload.dict())
    return 201, [entry_out(entry) for entry in entries]
