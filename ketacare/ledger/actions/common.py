"""What every ledger booking shares: the locks, the next entry of the chain, its audit entry, and
the checks of a quantity, a colleague who co-signs and a location of the clinic.

How a booking stays right under concurrency: the organisation's audit chain lock is taken first
(every booking writes an audit entry, so taking it first keeps one lock order and no deadlock
with callers that already audited), then the stock item's row is locked (SELECT ... FOR UPDATE;
on SQLite BEGIN IMMEDIATE already serialises), the new balance is computed from the locked row,
then the organisation's ledger chain is locked and the entry appended and signed
(docs/security.md). The database refuses a negative balance (CHECK constraints) and any
UPDATE/DELETE/TRUNCATE of an entry (guard.py).
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.models import User
from ketacare.accounts.permissions import user_may
from ketacare.audit.actions import lock_chain as lock_audit_chain
from ketacare.audit.actions import record_event
from ketacare.audit.chains import LEDGER_PURPOSE, lock_chain_of, sign
from ketacare.audit.domain.chain import GENESIS_HASH, entry_hash
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.ledger.domain.quantities import (
    UNIT_DEVICE,
    QuantityError,
    check_positive,
    device_count_for,
    next_balance,
    volume_ml_for,
)
from ketacare.ledger.models import EntryKind, LedgerEntry, Vial
from ketacare.lib.ids import is_db_id

# Any constant (int4): with the organisation id, serialises appends to one organisation's chain.
_LEDGER_LOCK_CLASS = 7_285_002


def _quantity_error(error: QuantityError) -> ValidationError:
    return ValidationError({error.field: error.problem})


def positive_decimal(value, field: str) -> Decimal:
    """`value` as a Decimal above zero, to the mg precision; ValidationError naming `field` otherwise."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: "Give a number (mg)."}) from None
    try:
        return check_positive(number, field)
    except QuantityError as error:
        raise _quantity_error(error) from None


def lock_ledger(organisation_id: int) -> None:
    lock_chain_of(_LEDGER_LOCK_CLASS, organisation_id)


def locked_vial(actor, vial_id, field: str = "vial_id") -> Vial:
    """The actor's organisation's stock item, its row locked until the transaction ends."""
    if not is_db_id(vial_id):
        raise ValidationError({field: "Choose a vial."})
    lock_audit_chain(actor.organisation_id)
    vial = (
        Vial.objects.select_for_update(of=("self",))
        .select_related("product", "location")
        .filter(pk=vial_id, organisation_id=actor.organisation_id)
        .first()
    )
    if vial is None:
        raise ValidationError({field: "No such vial in your clinic."})
    return vial


def signing_colleague(
    actor, user, field: str, permission: Permission = Permission.LEDGER_RECORD, *, not_actor: bool = True
):
    """A second person of the actor's organisation who may do `permission`."""
    if user is None or not isinstance(user, User):
        raise ValidationError({field: "Choose a colleague."})
    if not_actor and user.pk == actor.pk:
        raise ValidationError({field: "Choose someone other than yourself."})
    if user.organisation_id != actor.organisation_id or not user.is_active or not user_may(user, permission):
        raise ValidationError({field: "This person may not sign controlled-substance records in your clinic."})
    return user


def own_location(actor, location_id, field: str = "location_id") -> Location:
    if not is_db_id(location_id):
        raise ValidationError({field: "Choose a location."})
    location = Location.objects.filter(pk=location_id, organisation_id=actor.organisation_id).first()
    if location is None:
        raise ValidationError({field: "No such location in your clinic."})
    return location


def _measure(vial: Vial, quantity_mg: Decimal, field: str) -> dict:
    """The quantity as mL (vials) or whole devices (nasal spray devices)."""
    product = vial.product
    try:
        if product.unit == UNIT_DEVICE:
            return {"device_count": device_count_for(quantity_mg, product.strength_mg_per_unit, field)}
        return {"volume_ml": volume_ml_for(quantity_mg, product.strength_mg_per_unit)}
    except QuantityError as error:
        raise _quantity_error(error) from None


def append_entry(
    actor,
    vial: Vial,
    kind: EntryKind,
    delta_mg: Decimal,
    *,
    field: str = "quantity_mg",
    occurred_at: dt.datetime | None = None,
    **fields,
) -> LedgerEntry:
    """Book `delta_mg` on the locked `vial` as the next entry of its organisation's chain."""
    try:
        balance = next_balance(vial.balance_mg, delta_mg, field)
    except QuantityError as error:
        raise _quantity_error(error) from None
    lock_ledger(vial.organisation_id)
    last = (
        LedgerEntry.objects.filter(organisation_id=vial.organisation_id)
        .order_by("-sequence")
        .only("sequence", "entry_hash")
        .first()
    )
    now = timezone.now()
    measure = _measure(vial, abs(delta_mg), field) if delta_mg else {}
    entry = LedgerEntry(
        organisation_id=vial.organisation_id,
        sequence=(last.sequence + 1) if last else 1,
        location_id=vial.location_id,
        vial=vial,
        kind=kind,
        occurred_at=occurred_at or now,
        created_at=now,
        quantity_mg=delta_mg,
        balance_after_mg=balance,
        created_by=actor,
        previous_hash=last.entry_hash if last else GENESIS_HASH,
        **measure,
        **fields,
    )
    entry.entry_hash = entry_hash(entry.hashed_content(), entry.previous_hash)
    entry.key_id, entry.signature = sign(LEDGER_PURPOSE, entry.entry_hash)
    entry.save(force_insert=True)
    Vial.objects.filter(pk=vial.pk).update(balance_mg=balance)
    vial.balance_mg = balance
    return entry


def audit_entry(actor, entry: LedgerEntry, **detail) -> None:
    record_event(
        actor,
        AuditAction.CREATE,
        entry,
        patient=entry.patient,
        detail={
            "kind": entry.kind,
            "vial": entry.vial.identifier,
            "quantity_mg": str(entry.quantity_mg),
            "balance_after_mg": str(entry.balance_after_mg),
            "sequence": entry.sequence,
            **detail,
        },
    )
