"""REST endpoints of the controlled-substance ledger (/api/v1/ledger): the same actions and
selectors as the pages."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from ninja import Query, Router, Schema

from ketacare.ledger import actions, selectors
from ketacare.ledger.schemas import (
    BalanceOut,
    EntryOut,
    Id,
    Kind,
    ProductOut,
    ReceiptIn,
    VialOut,
    WasteIn,
    balance_out,
    entry_out,
    vial_out,
)
from ketacare.lib.api_errors import ErrorOut, ValidationErrorOut
from ketacare.patients.models import Patient

router = Router(tags=["ledger"])

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}


class VialFilter(Schema):
    location_id: Id | None = None
    include_empty: bool = False


class BalanceFilter(Schema):
    location_id: Id | None = None


class EntryFilter(Schema):
    location_id: Id | None = None
    kind: Kind | None = None
    after_sequence: int = Query(0, ge=0, le=2**63 - 1)
    limit: int = Query(selectors.ENTRY_PAGE, ge=1, le=selectors.ENTRY_PAGE)


@router.get("/products", response={200: list[ProductOut], 401: ErrorOut, 403: ErrorOut})
def list_products(request):
    return list(selectors.products(request.auth))


@router.get("/vials", response={200: list[VialOut], **READ_ERRORS})
def list_vials(request, filters: Query[VialFilter]):
    """Stock items with their balances (in stock only, unless include_empty)."""
    if filters.location_id is not None:
        selectors.access_location(request.auth, filters.location_id)
    found = selectors.vials(request.auth, location_id=filters.location_id, include_empty=filters.include_empty)
    return [vial_out(vial) for vial in found]


@router.get("/balances", response={200: list[BalanceOut], **READ_ERRORS})
def list_balances(request, filters: Query[BalanceFilter]):
    """Per location and product: the sum of its stock items' balances."""
    location = None
    if filters.location_id is not None:
        location = selectors.access_location(request.auth, filters.location_id)
    return [balance_out(row) for row in selectors.product_balances(request.auth, location)]


@router.get("/entries", response={200: list[EntryOut], **READ_ERRORS})
def list_entries(request, filters: Query[EntryFilter]):
    """Entries in chain order; page with after_sequence (audited)."""
    if filters.location_id is not None:
        selectors.access_location(request.auth, filters.location_id)
    rows = selectors.entry_list(request.auth, location_id=filters.location_id, kind=filters.kind or "",
                                after_sequence=filters.after_sequence, limit=filters.limit)
    return [entry_out(entry) for entry in rows]


@router.post("/receipts", response={201: list[EntryOut], **WRITE_ERRORS})
def record_receipt(request, payload: ReceiptIn):
    """Containers received from a supplier: one stock item and one receipt entry per container."""
    entries = actions.do_record_receipt(request.auth, **payload.dict())
    return 201, [entry_out(entry) for entry in entries]


def _colleague(actor, user_id: int | None, field: str):
    if user_id is None:
        return None
    user = get_user_model().objects.filter(pk=user_id, organisation_id=actor.organisation_id).first()
    if user is None:
        raise ValidationError({field: "No such colleague in your clinic."})
    return user


@router.post("/waste", response={201: EntryOut, **WRITE_ERRORS})
def record_waste(request, payload: WasteIn):
    """Waste co-signed by a witness who gives their password (wrong password: 422, nothing booked)."""
    actor = request.auth
    patient = None
    if payload.patient_id is not None:
        patient = Patient.objects.filter(pk=payload.patient_id, organisation_id=actor.organisation_id).first()
        if patient is None:
            raise ValidationError({"patient_id": "No such patient in your clinic."})
    try:
        entry = actions.do_record_waste(
            actor, vial_id=payload.vial_id, quantity_mg=payload.quantity_mg,
            witness=_colleague(actor, payload.witness_id, "witness_id"), witness_password=payload.witness_password,
            reason=payload.reason, patient=patient, treatment_session_id=payload.treatment_session_id,
        )
    except ValidationError as exc:
        # The action names the person; the API names the id field it was given as.
        if hasattr(exc, "error_dict") and "witness" in exc.error_dict:
            raise ValidationError({"witness_id": exc.message_dict["witness"]}) from None
        raise
    return 201, entry_out(entry)
