"""Doses drawn for a treatment session, and waste co-signed by a witness who re-enters their password.

Contract used by the treatments (sessions) app — see docs/ledger.md:
  do_record_administration(actor, *, vial_id, dose_mg, checked_by, patient, treatment_session_id, note="")
  do_record_waste(actor, *, vial_id, quantity_mg, witness, witness_password, reason, patient=None,
                  treatment_session_id=None)
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.ledger.actions.common import (
    append_entry,
    audit_entry,
    locked_vial,
    positive_decimal,
    signing_colleague,
)
from ketacare.ledger.models import EntryKind, LedgerEntry, LedgerSettings, WitnessFailureCount
from ketacare.ledger.selectors.stock import location_today
from ketacare.lib.ids import is_db_id
from ketacare.lib.text import clean_text

WITNESS_MAX_FAILURES = 5
WITNESS_LOCKOUT = dt.timedelta(minutes=15)


def _check_patient(actor, patient):
    if patient is None:
        return None
    if getattr(patient, "organisation_id", None) != actor.organisation_id:
        raise ValidationError({"patient": "No such patient in your clinic."})
    return patient


def _check_session_id(value) -> int | None:
    if value is None:
        return None
    if not is_db_id(value):
        raise ValidationError({"treatment_session_id": "Give the session's id."})
    return value


@transaction.atomic
def do_record_administration(
    actor,
    *,
    vial_id: int,
    dose_mg: Decimal,
    checked_by,
    patient,
    treatment_session_id: int | None,
    note: str = "",
    location_id: int | None = None,
) -> LedgerEntry:
    """A dose drawn from a vial by `actor` and checked by another user, given to `patient`.

    `location_id` (optional): the session's location; a vial kept elsewhere is refused.
    """
    require_permission(actor, Permission.LEDGER_RECORD)
    dose_mg = positive_decimal(dose_mg, "dose_mg")
    signing_colleague(actor, checked_by, "checked_by")
    if patient is None:
        raise ValidationError({"patient": "Choose the patient the dose was given to."})
    _check_patient(actor, patient)
    treatment_session_id = _check_session_id(treatment_session_id)
    note = clean_text("note", note)
    vial = locked_vial(actor, vial_id)
    if location_id is not None and vial.location_id != location_id:
        raise ValidationError(
            {"vial_id": f"This vial is kept at {vial.location.name}, not at this session's location."}
        )
    if vial.expiry_date < location_today(vial.location):
        raise ValidationError({"vial_id": f"This vial expired on {vial.expiry_date:%Y-%m-%d}; choose another."})
    entry = append_entry(
        actor,
        vial,
        EntryKind.ADMINISTRATION,
        -dose_mg,
        field="dose_mg",
        checked_by=checked_by,
        patient=patient,
        treatment_session_id=treatment_session_id,
        reason=note,
    )
    audit_entry(actor, entry, checked_by=checked_by.get_username())
    return entry


def do_record_waste(
    actor,
    *,
    vial_id: int,
    quantity_mg: Decimal,
    witness,
    witness_password: str,
    reason: str,
    patient=None,
    treatment_session_id: int | None = None,
) -> LedgerEntry:
    """Waste (e.g. what is left in a vial after a dose), co-signed by a witness who re-enters their
    password. A wrong password writes nothing to the ledger; the failed attempt is audited."""
    require_permission(actor, Permission.LEDGER_RECORD)
    required = LedgerSettings.for_organisation(actor.organisation_id).waste_witness_required
    if witness is not None or required:
        signing_colleague(actor, witness, "witness")
        reauthenticate_witness(actor, witness, witness_password, detail={"vial_id": vial_id})
    return _book_waste(
        actor,
        vial_id=vial_id,
        quantity_mg=quantity_mg,
        witness=witness,
        reason=reason,
        patient=patient,
        treatment_session_id=treatment_session_id,
    )


def reauthenticate_witness(
    actor, witness, password, *, detail: dict, field: str = "witness_password", who: str = "witness"
) -> None:
    """The second person re-enters their password (the waste witness here, the dose's second check
    in treatments). Refused after repeated wrong passwords, so these forms cannot be used to guess a
    colleague's password (sign-in has its own lockout, django-axes): each attempt claims one of the
    WITNESS_MAX_FAILURES in the database before the password is checked, so concurrent attempts never
    check more passwords than the limit, and a right password gives its claim back. A wrong password
    is audited in its own transaction, whichever form it was typed into. Call it outside the caller's
    transaction, or the failure is rolled back with the refusal."""
    if not _claim_witness_attempt(witness):
        minutes = int(WITNESS_LOCKOUT.total_seconds() // 60)
        raise ValidationError(
            {field: f"Too many wrong passwords for this {who}; wait {minutes} minutes or choose another {who}."}
        )
    if isinstance(password, str) and witness.check_password(password):
        WitnessFailureCount.objects.filter(witness=witness, failures__gt=0).update(failures=F("failures") - 1)
        return
    # Its own transaction, so the failure stays recorded when the caller's call fails.
    with transaction.atomic():
        record_event(
            witness,
            AuditAction.SECURITY,
            witness,
            detail={"event": "witness_reauthentication_failed", "for": actor.get_username(), **detail},
        )
    raise ValidationError({field: f"The {who}'s password is not right; nothing was recorded."})


def _claim_witness_attempt(witness) -> bool:
    """True when an attempt was claimed. Each statement is atomic on its own: on PostgreSQL a concurrent
    UPDATE of the same row waits and re-reads the row before applying its WHERE clause."""
    now = timezone.now()
    WitnessFailureCount.objects.bulk_create(
        [WitnessFailureCount(witness=witness, failures=0, last_failed_at=now)], ignore_conflicts=True
    )
    WitnessFailureCount.objects.filter(witness=witness, last_failed_at__lt=now - WITNESS_LOCKOUT).update(failures=0)
    claimed = WitnessFailureCount.objects.filter(witness=witness, failures__lt=WITNESS_MAX_FAILURES).update(
        failures=F("failures") + 1, last_failed_at=now
    )
    return claimed == 1


@transaction.atomic
def _book_waste(actor, *, vial_id, quantity_mg, witness, reason, patient, treatment_session_id) -> LedgerEntry:
    quantity_mg = positive_decimal(quantity_mg, "quantity_mg")
    reason = clean_text("reason", reason, required=True)
    _check_patient(actor, patient)
    treatment_session_id = _check_session_id(treatment_session_id)
    vial = locked_vial(actor, vial_id)
    entry = append_entry(
        actor,
        vial,
        EntryKind.WASTE,
        -quantity_mg,
        witness=witness,
        patient=patient,
        treatment_session_id=treatment_session_id,
        reason=reason,
    )
    if witness is not None:
        record_event(
            witness,
            AuditAction.SECURITY,
            entry,
            patient=patient,
            detail={
                "event": "witness_reauthenticated",
                "for": actor.get_username(),
                "sequence": entry.sequence,
            },
        )
    audit_entry(actor, entry, witness=witness.get_username() if witness else "")
    return entry
