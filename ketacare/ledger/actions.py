"""Every write to the controlled-substance ledger: one transaction, audited.

Contract used by the treatments (sessions) app — see docs/ledger.md:
  do_record_administration(actor, *, vial_id, dose_mg, checked_by, patient, treatment_session_id, note="")
  do_record_waste(actor, *, vial_id, quantity_mg, witness, witness_password, reason, patient=None,
                  treatment_session_id=None)
  available_vials(user, location, drug)           (selectors.py, re-exported here)
  Vial.volume_ml_for(dose_mg) / domain.quantities.volume_ml_for(dose_mg, strength_mg_per_ml)

How a booking stays right under concurrency: the audit chain lock is taken first (every
booking writes an audit entry, so taking it first keeps one lock order and no deadlock with
callers that already audited), then the stock item's row is locked (SELECT ... FOR UPDATE; on
SQLite BEGIN IMMEDIATE already serialises), the new balance is computed from the locked row,
then the organisation's ledger chain is locked and the entry appended. The database refuses a
negative balance (CHECK constraints) and any UPDATE/DELETE of an entry (guard.py).
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.models import User
from ketacare.accounts.permissions import require_permission, user_may
from ketacare.audit.actions import lock_chain as _lock_audit_chain
from ketacare.clinics.settings_rows import update_organisation_settings
from ketacare.audit.actions import record_event
from ketacare.audit.domain.chain import GENESIS_HASH, entry_hash
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinics.models import Location
from ketacare.ledger.domain.deadlines import report_deadlines
from ketacare.ledger.domain.quantities import (
    UNIT_DEVICE,
    QuantityError,
    check_positive,
    device_count_for,
    next_balance,
    volume_ml_for,
)
from ketacare.ledger.models import (
    EntryKind,
    LedgerEntry,
    LedgerSettings,
    Product,
    Registration,
    TheftLossKind,
    TheftLossReport,
    Vial,
)
from ketacare.ledger.selectors import available_vials, location_today  # noqa: F401  (contract re-export)

# Any constant (int4): with the organisation id, serialises appends to one organisation's chain.
_LEDGER_LOCK_CLASS = 7_285_002
TEXT_MAX_CHARS = 2000
DISPOSAL_KINDS = (EntryKind.EXPIRED, EntryKind.RETURNED, EntryKind.DESTROYED)
WITNESS_MAX_FAILURES = 5
WITNESS_LOCKOUT = dt.timedelta(minutes=15)


# ---------------------------------------------------------------------------
# Helpers


def _quantity_error(error: QuantityError) -> ValidationError:
    return ValidationError({error.field: error.problem})


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: "Give a number (mg)."}) from None
    try:
        return check_positive(number, field)
    except QuantityError as error:
        raise _quantity_error(error) from None


def _text(value: str, field: str, *, required: bool = False, max_chars: int = TEXT_MAX_CHARS) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: "This field is required."})
    if len(value) > max_chars:
        raise ValidationError({field: f"Keep this under {max_chars} characters."})
    if "\x00" in value:
        raise ValidationError({field: "Remove the null character from this field."})
    return value


def _lock_ledger(organisation_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LEDGER_LOCK_CLASS, organisation_id])
    # SQLite: BEGIN IMMEDIATE (settings) already holds the database write lock.


def _locked_vial(actor, vial_id, field: str = "vial_id") -> Vial:
    """The actor's organisation's stock item, its row locked until the transaction ends."""
    if not isinstance(vial_id, int) or isinstance(vial_id, bool) or not 0 < vial_id < 2**63:
        raise ValidationError({field: "Choose a vial."})
    _lock_audit_chain()
    vial = (
        Vial.objects.select_for_update(of=("self",))
        .select_related("product", "location")
        .filter(pk=vial_id, organisation_id=actor.organisation_id)
        .first()
    )
    if vial is None:
        raise ValidationError({field: "No such vial in your clinic."})
    return vial


def _colleague(actor, user, field: str, permission: Permission = Permission.LEDGER_RECORD, *, not_actor: bool = True):
    """A second person of the actor's organisation who may do `permission`."""
    if user is None or not isinstance(user, User):
        raise ValidationError({field: "Choose a colleague."})
    if not_actor and user.pk == actor.pk:
        raise ValidationError({field: "Choose someone other than yourself."})
    if user.organisation_id != actor.organisation_id or not user.is_active or not user_may(user, permission):
        raise ValidationError({field: "This person may not sign controlled-substance records in your clinic."})
    return user


def _measure(vial: Vial, quantity_mg: Decimal, field: str) -> dict:
    """The quantity as mL (vials) or whole devices (nasal spray devices)."""
    product = vial.product
    try:
        if product.unit == UNIT_DEVICE:
            return {"device_count": device_count_for(quantity_mg, product.strength_mg_per_unit, field)}
        return {"volume_ml": volume_ml_for(quantity_mg, product.strength_mg_per_unit)}
    except QuantityError as error:
        raise _quantity_error(error) from None


def _append(actor, vial: Vial, kind: EntryKind, delta_mg: Decimal, *, field: str = "quantity_mg",
            occurred_at: dt.datetime | None = None, **fields) -> LedgerEntry:
    """Book `delta_mg` on the locked `vial` as the next entry of its organisation's chain."""
    try:
        balance = next_balance(vial.balance_mg, delta_mg, field)
    except QuantityError as error:
        raise _quantity_error(error) from None
    _lock_ledger(vial.organisation_id)
    last = (
        LedgerEntry.objects.filter(organisation_id=vial.organisation_id)
        .order_by("-sequence").only("sequence", "entry_hash").first()
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
    entry.save(force_insert=True)
    Vial.objects.filter(pk=vial.pk).update(balance_mg=balance)
    vial.balance_mg = balance
    return entry


def _audit(actor, entry: LedgerEntry, **detail) -> None:
    record_event(
        actor, AuditAction.CREATE, entry, patient=entry.patient,
        detail={"kind": entry.kind, "vial": entry.vial.identifier, "quantity_mg": str(entry.quantity_mg),
                "balance_after_mg": str(entry.balance_after_mg), "sequence": entry.sequence, **detail},
    )


def _check_patient(actor, patient):
    if patient is None:
        return None
    if getattr(patient, "organisation_id", None) != actor.organisation_id:
        raise ValidationError({"patient": "No such patient in your clinic."})
    return patient


def _check_session_id(value) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**63:
        raise ValidationError({"treatment_session_id": "Give the session's id."})
    return value


# ---------------------------------------------------------------------------
# The contract for the sessions app


@transaction.atomic
def do_record_administration(
    actor, *, vial_id: int, dose_mg: Decimal, checked_by, patient, treatment_session_id: int | None,
    note: str = "", location_id: int | None = None,
) -> LedgerEntry:
    """A dose drawn from a vial by `actor` and checked by another user, given to `patient`.

    `location_id` (optional): the session's location; a vial kept elsewhere is refused.
    """
    require_permission(actor, Permission.LEDGER_RECORD)
    dose_mg = _decimal(dose_mg, "dose_mg")
    _colleague(actor, checked_by, "checked_by")
    if patient is None:
        raise ValidationError({"patient": "Choose the patient the dose was given to."})
    _check_patient(actor, patient)
    treatment_session_id = _check_session_id(treatment_session_id)
    note = _text(note, "note")
    vial = _locked_vial(actor, vial_id)
    if location_id is not None and vial.location_id != location_id:
        raise ValidationError({"vial_id": f"This vial is kept at {vial.location.name}, not at this session's location."})
    if vial.expiry_date < location_today(vial.location):
        raise ValidationError({"vial_id": f"This vial expired on {vial.expiry_date:%Y-%m-%d}; choose another."})
    entry = _append(
        actor, vial, EntryKind.ADMINISTRATION, -dose_mg, field="dose_mg",
        checked_by=checked_by, patient=patient, treatment_session_id=treatment_session_id, reason=note,
    )
    _audit(actor, entry, checked_by=checked_by.get_username())
    return entry


def do_record_waste(
    actor, *, vial_id: int, quantity_mg: Decimal, witness, witness_password: str, reason: str,
    patient=None, treatment_session_id: int | None = None,
) -> LedgerEntry:
    """Waste (e.g. what is left in a vial after a dose), co-signed by a witness who re-enters their
    password. A wrong password writes nothing to the ledger; the failed attempt is audited."""
    require_permission(actor, Permission.LEDGER_RECORD)
    required = LedgerSettings.for_organisation(actor.organisation_id).waste_witness_required
    if witness is not None or required:
        _colleague(actor, witness, "witness")
        _check_witness_not_locked_out(witness)
        if not isinstance(witness_password, str) or not witness.check_password(witness_password):
            # Its own transaction, so the failure stays recorded when the caller's call fails.
            with transaction.atomic():
                record_event(witness, AuditAction.SECURITY, witness, detail={
                    "event": "witness_reauthentication_failed", "for": actor.get_username(), "vial_id": vial_id,
                })
            raise ValidationError({"witness_password": "The witness's password is not right; nothing was recorded."})
    return _book_waste(
        actor, vial_id=vial_id, quantity_mg=quantity_mg, witness=witness, reason=reason,
        patient=patient, treatment_session_id=treatment_session_id,
    )


def _check_witness_not_locked_out(witness) -> None:
    """Refuse a witness after repeated wrong passwords, so the waste form cannot be used to guess a
    colleague's password (sign-in has its own lockout, django-axes)."""
    since = timezone.now() - WITNESS_LOCKOUT
    failures = AuditEntry.objects.filter(
        actor=witness, action=AuditAction.SECURITY, occurred_at__gte=since,
        detail__event="witness_reauthentication_failed",
    ).count()
    if failures >= WITNESS_MAX_FAILURES:
        raise ValidationError({"witness_password": (
            f"Too many wrong passwords for this witness; wait {int(WITNESS_LOCKOUT.total_seconds() // 60)} "
            "minutes or choose another witness."
        )})


@transaction.atomic
def _book_waste(actor, *, vial_id, quantity_mg, witness, reason, patient, treatment_session_id) -> LedgerEntry:
    quantity_mg = _decimal(quantity_mg, "quantity_mg")
    reason = _text(reason, "reason", required=True)
    _check_patient(actor, patient)
    treatment_session_id = _check_session_id(treatment_session_id)
    vial = _locked_vial(actor, vial_id)
    entry = _append(
        actor, vial, EntryKind.WASTE, -quantity_mg, witness=witness, patient=patient,
        treatment_session_id=treatment_session_id, reason=reason,
    )
    if witness is not None:
        record_event(witness, AuditAction.SECURITY, entry, patient=patient, detail={
            "event": "witness_reauthenticated", "for": actor.get_username(), "sequence": entry.sequence,
        })
    _audit(actor, entry, witness=witness.get_username() if witness else "")
    return entry


# ---------------------------------------------------------------------------
# Set-up: settings, registrations, products


@transaction.atomic
def do_update_ledger_settings(actor, **values) -> LedgerSettings:
    require_permission(actor, Permission.LEDGER_REPORT)
    fields = ("retention_years", "waste_witness_required", "theft_notice_business_days", "form_106_days")
    return update_organisation_settings(actor, LedgerSettings, fields, values)


def _own_location(actor, location_id, field: str = "location_id") -> Location:
    if not isinstance(location_id, int) or isinstance(location_id, bool) or not 0 < location_id < 2**63:
        raise ValidationError({field: "Choose a location."})
    location = Location.objects.filter(pk=location_id, organisation_id=actor.organisation_id).first()
    if location is None:
        raise ValidationError({field: "No such location in your clinic."})
    return location


@transaction.atomic
def do_save_registration(actor, *, location_id: int, registrant_name: str, dea_number: str) -> Registration:
    """The location's DEA registration, printed on its reports."""
    require_permission(actor, Permission.LEDGER_REPORT)
    location = _own_location(actor, location_id)
    registration = Registration.objects.filter(location=location).first() or Registration(location=location)
    registration.registrant_name = _text(registrant_name, "registrant_name", required=True, max_chars=200)
    registration.dea_number = _text(dea_number, "dea_number", required=True, max_chars=9).upper()
    if not (len(registration.dea_number) == 9 and registration.dea_number[:2].isalpha()
            and registration.dea_number[2:].isdigit()):
        raise ValidationError({"dea_number": "A DEA number is 2 letters and 7 digits, e.g. AB1234563."})
    registration.save()
    record_event(actor, AuditAction.UPDATE, registration, detail={
        "location": location.name, "dea_number": registration.dea_number,
    })
    return registration


@transaction.atomic
def do_create_product(actor, *, drug: str, name: str, ndc: str, unit: str, strength_mg_per_unit,
                      units_per_container) -> Product:
    require_permission(actor, Permission.LEDGER_REPORT)
    product = Product(
        organisation_id=actor.organisation_id, drug=drug, name=_text(name, "name", required=True, max_chars=200),
        ndc=_text(ndc, "ndc", required=True, max_chars=13), unit=unit,
        strength_mg_per_unit=_decimal(strength_mg_per_unit, "strength_mg_per_unit"),
        units_per_container=_decimal(units_per_container, "units_per_container"),
    )
    if unit == UNIT_DEVICE and product.units_per_container != product.units_per_container.to_integral_value():
        raise ValidationError({"units_per_container": "A kit holds a whole number of devices."})
    if Product.objects.filter(organisation_id=actor.organisation_id, ndc=product.ndc).exists():
        raise ValidationError({"ndc": "Your clinic already has a product with this NDC."})
    product.full_clean()
    product.save()
    record_event(actor, AuditAction.CREATE, product, detail={"ndc": product.ndc, "name": product.name})
    return product


# ---------------------------------------------------------------------------
# Receipts, transfers, counts, disposal


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
    actor, *, location_id: int, product_id: int, lot: str, expiry_date: dt.date, container_count: int,
    supplier_name: str, supplier_address: str, supplier_dea_number: str, invoice_number: str,
    identifier_prefix: str = "", occurred_at: dt.datetime | None = None,
) -> list[LedgerEntry]:
    """Containers received from a supplier: one stock item per vial (or kit), each with a receipt entry."""
    require_permission(actor, Permission.LEDGER_RECORD)
    location = _own_location(actor, location_id)
    if not isinstance(product_id, int) or isinstance(product_id, bool) or not 0 < product_id < 2**63:
        raise ValidationError({"product_id": "Choose a product."})
    product = Product.objects.filter(pk=product_id, organisation_id=actor.organisation_id, is_active=True).first()
    if product is None:
        raise ValidationError({"product_id": "No such product in your clinic."})
    lot = _text(lot, "lot", required=True, max_chars=40)
    if not isinstance(expiry_date, dt.date):
        raise ValidationError({"expiry_date": "Give the expiry date."})
    if expiry_date < location_today(location):
        raise ValidationError({"expiry_date": "This stock has already expired; record it as received and expired separately."})
    if not isinstance(container_count, int) or not 1 <= container_count <= 500:
        raise ValidationError({"container_count": "Give a number of containers from 1 to 500."})
    supplier = {
        "counterparty_name": _text(supplier_name, "supplier_name", required=True, max_chars=200),
        "counterparty_address": _text(supplier_address, "supplier_address", required=True),
        "counterparty_dea_number": _text(supplier_dea_number, "supplier_dea_number", required=True, max_chars=9).upper(),
        "document_number": _text(invoice_number, "invoice_number", required=True, max_chars=60),
    }
    prefix = _text(identifier_prefix, "identifier_prefix", max_chars=40) or lot
    occurred_at = _occurred_at(occurred_at)
    _lock_audit_chain()
    _lock_ledger(actor.organisation_id)
    taken = set(Vial.objects.filter(organisation_id=actor.organisation_id, identifier__startswith=f"{prefix}-")
                .values_list("identifier", flat=True))
    entries = []
    number = 0
    for _ in range(container_count):
        number += 1
        while f"{prefix}-{number}" in taken:
            number += 1
        vial = Vial.objects.create(
            organisation_id=actor.organisation_id, location=location, product=product,
            identifier=f"{prefix}-{number}", lot=lot, expiry_date=expiry_date,
            initial_quantity_mg=product.container_mg,
        )
        entry = _append(actor, vial, EntryKind.RECEIPT, product.container_mg, occurred_at=occurred_at, **supplier)
        _audit(actor, entry, invoice=supplier["document_number"])
        entries.append(entry)
    return entries


@transaction.atomic
def do_record_transfer(actor, *, vial_id: int, to_location_id: int, reason: str = "") -> tuple[LedgerEntry, LedgerEntry]:
    """Move a stock item's remaining content to another location of the clinic: a transfer out of the
    item and, paired with it, a transfer in to a new item (same lot) at the destination."""
    require_permission(actor, Permission.LEDGER_RECORD)
    reason = _text(reason, "reason")
    destination = _own_location(actor, to_location_id, "to_location_id")
    vial = _locked_vial(actor, vial_id)
    if destination.pk == vial.location_id:
        raise ValidationError({"to_location_id": "The vial is already at this location."})
    quantity = vial.balance_mg
    if quantity <= 0:
        raise ValidationError({"vial_id": "This vial is empty; there is nothing to transfer."})
    out = _append(actor, vial, EntryKind.TRANSFER_OUT, -quantity, reason=reason,
                  counterparty_name=destination.name)
    moved = Vial.objects.create(
        organisation_id=vial.organisation_id, location=destination, product=vial.product,
        identifier=f"{vial.identifier}-T{out.sequence}", lot=vial.lot, expiry_date=vial.expiry_date,
        initial_quantity_mg=quantity,
    )
    incoming = _append(actor, moved, EntryKind.TRANSFER_IN, quantity, related_entry=out, reason=reason,
                       counterparty_name=vial.location.name)
    _audit(actor, out, to=destination.name)
    _audit(actor, incoming, from_=vial.location.name)
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
    note = _text(note, "note")
    vial = _locked_vial(actor, vial_id)
    entry = _append(actor, vial, EntryKind.COUNT, Decimal("0"), counted_mg=counted,
                    discrepancy_mg=counted - vial.balance_mg, reason=note)
    _audit(actor, entry, counted_mg=str(counted), discrepancy_mg=str(entry.discrepancy_mg))
    return entry


@transaction.atomic
def do_resolve_discrepancy(actor, *, count_entry_id: int, reason: str) -> LedgerEntry:
    """A prescriber resolves a count's discrepancy: the book is brought to the count, with a reason.
    A loss that may be theft or significant is also reported (do_report_theft_loss)."""
    require_permission(actor, Permission.LEDGER_RESOLVE)
    reason = _text(reason, "reason", required=True)
    if not isinstance(count_entry_id, int) or isinstance(count_entry_id, bool) or not 0 < count_entry_id < 2**63:
        raise ValidationError({"count_entry_id": "Choose a count."})
    count = LedgerEntry.objects.filter(
        pk=count_entry_id, organisation_id=actor.organisation_id, kind=EntryKind.COUNT
    ).first()
    if count is None:
        raise ValidationError({"count_entry_id": "No such count in your clinic."})
    vial = _locked_vial(actor, count.vial_id, "count_entry_id")
    if not count.discrepancy_mg:
        raise ValidationError({"count_entry_id": "This count matched the book; there is nothing to resolve."})
    if LedgerEntry.objects.filter(related_entry=count, kind=EntryKind.ADJUSTMENT).exists():
        raise ValidationError({"count_entry_id": "This discrepancy is already resolved."})
    entry = _append(actor, vial, EntryKind.ADJUSTMENT, count.discrepancy_mg, field="count_entry_id",
                    related_entry=count, reason=reason)
    _audit(actor, entry, resolves=count.sequence)
    return entry


@transaction.atomic
def do_record_disposal(
    actor, *, vial_id: int, kind: str, quantity_mg=None, reason: str = "", counterparty_name: str = "",
    counterparty_address: str = "", counterparty_dea_number: str = "", document_number: str = "",
    witness=None, second_witness=None,
) -> LedgerEntry:
    """Stock leaving the clinic's use: expired (quarantined), returned to a reverse distributor, or
    destroyed on DEA Form 41 with two authorised-employee witnesses (CLINICAL.md §6).
    No quantity: the item's whole balance."""
    require_permission(actor, Permission.LEDGER_RECORD)
    if kind not in DISPOSAL_KINDS:
        raise ValidationError({"kind": "Choose expired, returned or destroyed."})
    reason = _text(reason, "reason")
    party = {
        "counterparty_name": _text(counterparty_name, "counterparty_name", max_chars=200),
        "counterparty_address": _text(counterparty_address, "counterparty_address"),
        "counterparty_dea_number": _text(counterparty_dea_number, "counterparty_dea_number", max_chars=9).upper(),
        "document_number": _text(document_number, "document_number", max_chars=60),
    }
    if kind == EntryKind.RETURNED and not party["counterparty_name"]:
        raise ValidationError({"counterparty_name": "Name the reverse distributor."})
    witnesses = {}
    if kind == EntryKind.DESTROYED:
        witnesses["witness"] = _colleague(actor, witness, "witness", Permission.LEDGER_VIEW)
        witnesses["second_witness"] = _colleague(actor, second_witness, "second_witness", Permission.LEDGER_VIEW)
        if witnesses["witness"].pk == witnesses["second_witness"].pk:
            raise ValidationError({"second_witness": "Two different witnesses sign DEA Form 41."})
    vial = _locked_vial(actor, vial_id)
    quantity = vial.balance_mg if quantity_mg in (None, "") else _decimal(quantity_mg, "quantity_mg")
    if quantity <= 0:
        raise ValidationError({"vial_id": "This vial is empty."})
    entry = _append(actor, vial, EntryKind(kind), -quantity, reason=reason, **party, **witnesses)
    _audit(actor, entry)
    return entry


# ---------------------------------------------------------------------------
# Theft and loss


@transaction.atomic
def do_report_theft_loss(
    actor, *, location_id: int, kind: str, discovered_on: dt.date, description: str,
    losses: list[tuple[int, Decimal]] = (),
) -> TheftLossReport:
    """A theft or significant loss, with its deadlines; each (vial_id, quantity_mg) lost is booked."""
    require_permission(actor, Permission.LEDGER_RECORD)
    location = _own_location(actor, location_id)
    if kind not in TheftLossKind.values:
        raise ValidationError({"kind": "Choose theft or loss."})
    if not isinstance(discovered_on, dt.date):
        raise ValidationError({"discovered_on": "Give the date of discovery."})
    if discovered_on > location_today(location):
        raise ValidationError({"discovered_on": "This is in the future."})
    description = _text(description, "description", required=True)
    rules = LedgerSettings.for_organisation(actor.organisation_id)
    due = report_deadlines(discovered_on, notice_business_days=rules.theft_notice_business_days,
                           form_106_days=rules.form_106_days)
    report = TheftLossReport.objects.create(
        organisation_id=actor.organisation_id, location=location, kind=kind, discovered_on=discovered_on,
        description=description, written_notice_due=due.written_notice_due, form_106_due=due.form_106_due,
        created_by=actor,
    )
    record_event(actor, AuditAction.CREATE, report, detail={"kind": kind, "discovered_on": str(discovered_on)})
    for vial_id, quantity_mg in losses:
        quantity = _decimal(quantity_mg, "quantity_mg")
        vial = _locked_vial(actor, vial_id)
        if vial.location_id != location.pk:
            raise ValidationError({"vial_id": f"Vial {vial.identifier} is kept at {vial.location.name}."})
        entry = _append(actor, vial, EntryKind(kind), -quantity, report=report, reason=description)
        _audit(actor, entry, report=report.pk)
    return report


@transaction.atomic
def do_update_theft_loss_report(
    actor, report_id: int, *, written_notice_sent_on: dt.date | None = None,
    form_106_filed_on: dt.date | None = None, form_106_reference: str = "",
) -> TheftLossReport:
    """Record that the written notice was sent and/or DEA Form 106 filed."""
    require_permission(actor, Permission.LEDGER_REPORT)
    report = TheftLossReport.objects.select_for_update().filter(
        pk=report_id, organisation_id=actor.organisation_id
    ).first()
    if report is None:
        raise ValidationError({"report_id": "No such report in your clinic."})
    today = location_today(report.location)
    for field, value in (("written_notice_sent_on", written_notice_sent_on), ("form_106_filed_on", form_106_filed_on)):
        if value is None:
            continue
        if value < report.discovered_on or value > today:
            raise ValidationError({field: "Give a date between the discovery and today."})
        setattr(report, field, value)
    reference = _text(form_106_reference, "form_106_reference", max_chars=60)
    if reference:
        report.form_106_reference = reference
    if report.form_106_filed_on and not report.form_106_reference:
        raise ValidationError({"form_106_reference": "Give the Form 106 confirmation number."})
    report.save()
    record_event(actor, AuditAction.UPDATE, report, detail={
        "written_notice_sent_on": str(report.written_notice_sent_on or ""),
        "form_106_filed_on": str(report.form_106_filed_on or ""),
    })
    return report
