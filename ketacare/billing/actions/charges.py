"""Charges: made from signed care (the signing hooks, billing/receivers.py), reviewed and edited by billing
while drafts, finalised onto the patient's account, voided with a reason.

A final charge never changes: voiding it posts a reversal of each of its account entries and gives back a
package credit it drew. Every change is audited with what it was before and after.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.billing.actions.fees import money_value
from ketacare.billing.actions.packages import apply_package_credit, return_package_credit
from ketacare.billing.domain import fees as fee_rules
from ketacare.billing.domain.charges import CareFacts, RuleInput, charge_amount, plan_charges
from ketacare.billing.models import (
    AccountEntry,
    Charge,
    ChargeRule,
    ChargeStatus,
    ChargeTrigger,
    EntryKind,
    FeeScheduleItem,
    PackageCreditUse,
    PaymentMethod,
)
from ketacare.billing.selectors.charges import access_charge_by_id
from ketacare.billing.selectors.fees import RENDERING_ROLES, billing_settings_of
from ketacare.billing.selectors.insurance import active_authorization, billing_patient_by_id, primary_coverage
from ketacare.clinics.models import Location
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_reason, clean_text
from ketacare.patients.domain.codes import normalise_icd10_cm
from ketacare.patients.models import DiagnosisStatus
from ketacare.treatments.models import SignerRole

# A claim line points to at most four diagnoses (837P SV107, CMS-1500 box 24E).
MAX_DIAGNOSES = 4
MAX_UNITS = Decimal("9999.99")
# Session routes (protocols.Route values) → what their signed session charges; esketamine goes by drug.
SESSION_ROUTE_TRIGGERS = {
    "iv": ChargeTrigger.SESSION_IV,
    "im": ChargeTrigger.SESSION_IM,
    "sublingual": ChargeTrigger.SESSION_ORAL,
}
EDITABLE_FIELDS = (
    "code",
    "modifiers",
    "description",
    "units",
    "unit_price",
    "diagnosis_codes",
    "place_of_service",
    "rendering_provider_id",
    "service_date",
)


# --- Charges from signed care (called inside the signing action: the signer is the actor, no permission
# of billing's own is asked; no rule, no charge).


def _local_date(moment: dt.datetime, location: Location) -> dt.date:
    return moment.astimezone(location.zone).date()


def _priced_item(item: FeeScheduleItem, location: Location) -> FeeScheduleItem:
    """The location's own price for the item's code when it has one, else the clinic-wide item."""
    own = FeeScheduleItem.objects.filter(
        organisation_id=item.organisation_id,
        location=location,
        code_system=item.code_system,
        code=item.code,
        modifiers=item.modifiers,
        is_active=True,
    ).first()
    return own or item


def active_diagnosis_codes(patient) -> list[str]:
    """The patient's active ICD-10-CM codes, oldest first (the first is the primary), at most four."""
    rows = patient.diagnoses.filter(status=DiagnosisStatus.ACTIVE).order_by("recorded_at", "pk")
    return [row.icd10_code for row in rows[:MAX_DIAGNOSES]]


def create_charges_for_care(
    actor,
    *,
    patient,
    location: Location,
    service_date: dt.date,
    trigger: str,
    rendering_provider,
    source: dict,
    dose_mg: Decimal | None = None,
    infusion_minutes: Decimal | None = None,
) -> list[Charge]:
    """The draft charges the clinic's rules give for one signed record (`source`: the record's foreign key),
    once: a record that already has charges gets none more."""
    if Charge.objects.filter(**source).exists():
        return []
    rules = list(
        ChargeRule.objects.filter(
            organisation_id=patient.organisation_id, trigger=trigger, is_active=True, fee_item__is_active=True
        ).select_related("fee_item")
    )
    if not rules:
        return []
    coverage = primary_coverage(patient, service_date)
    priced = {rule.pk: _priced_item(rule.fee_item, location) for rule in rules}
    planned = plan_charges(
        [
            RuleInput(
                rule_id=rule.pk,
                payer_scope=rule.payer_scope,
                code=rule.fee_item.code,
                units_rule=rule.fee_item.units_rule,
                unit_price=priced[rule.pk].self_pay_price,
            )
            for rule in rules
        ],
        CareFacts(
            primary_payer_kind=coverage.payer.kind if coverage else None,
            dose_mg=dose_mg,
            infusion_minutes=infusion_minutes,
        ),
    )
    diagnoses = active_diagnosis_codes(patient)
    place_of_service = billing_settings_of(patient.organisation).place_of_service
    now = timezone.now()
    charges = []
    for line in planned:
        item = priced[line.rule_id]
        charge = Charge.objects.create(
            organisation_id=patient.organisation_id,
            patient=patient,
            location=location,
            service_date=service_date,
            fee_item=item,
            code_system=item.code_system,
            code=item.code,
            modifiers=item.modifiers,
            description=item.description,
            units=line.units,
            unit_price=line.unit_price,
            amount=line.amount,
            currency=item.currency,
            diagnosis_codes=diagnoses,
            place_of_service=place_of_service,
            rendering_provider=rendering_provider,
            trigger=trigger,
            prior_authorization=active_authorization(patient, service_date, item.code) if coverage else None,
            created_at=now,
            created_by=actor,
            **source,
        )
        record_event(actor, AuditAction.CREATE, charge, patient=patient, detail=_charge_snapshot(charge))
        charges.append(charge)
    return charges


def _signing_prescriber(session):
    """The prescriber who signed the session (set on the session when theirs was the second signature)."""
    if session.prescriber_id:
        return session.prescriber
    signature = session.signatures.filter(role=SignerRole.PRESCRIBER).select_related("signed_by").first()
    return signature.signed_by if signature else None


def charges_for_signed_session(actor, session) -> list[Charge]:
    """A signed treatment session's charges (J0013 per mg or G2082/G2083, 96365/96366 from the infusion's
    length, per the rules); the first draws a package credit when the patient has one for this kind."""
    trigger = ChargeTrigger.SESSION_ESKETAMINE if session.is_esketamine else SESSION_ROUTE_TRIGGERS.get(session.route)
    if trigger is None:
        return []
    infusion_minutes = None
    if session.administration_started_at and session.administration_stopped_at:
        infusion_minutes = (
            Decimal((session.administration_stopped_at - session.administration_started_at).total_seconds()) / 60
        )
    charges = create_charges_for_care(
        actor,
        patient=session.patient,
        location=session.location,
        service_date=_local_date(session.checked_in_at, session.location),
        trigger=trigger,
        rendering_provider=_signing_prescriber(session),
        source={"treatment_session": session},
        dose_mg=session.dose_mg,
        infusion_minutes=infusion_minutes,
    )
    if charges:
        # One session draws one credit: the package pays for the session's first (main) charge.
        apply_package_credit(actor, charges[0])
    return charges


def _note_location(patient, appointment=None) -> Location | None:
    if appointment is not None:
        return appointment.location
    if patient.home_location_id:
        return patient.home_location
    return Location.objects.filter(organisation_id=patient.organisation_id, is_active=True).first()


def charges_for_signed_consultation(actor, note) -> list[Charge]:
    location = _note_location(note.patient)
    if location is None:
        return []
    return create_charges_for_care(
        actor,
        patient=note.patient,
        location=location,
        service_date=_local_date(note.signed_at, location),
        trigger=ChargeTrigger.CONSULTATION,
        rendering_provider=note.signed_by or note.author,
        source={"consultation_note": note},
    )


def charges_for_signed_progress_note(actor, note) -> list[Charge]:
    location = _note_location(note.patient, note.appointment)
    if location is None:
        return []
    return create_charges_for_care(
        actor,
        patient=note.patient,
        location=location,
        service_date=_local_date(note.session_at, location),
        trigger=ChargeTrigger.THERAPY_NOTE,
        rendering_provider=note.therapist,
        source={"progress_note": note},
    )


# --- Billing's own writes


def _charge_snapshot(charge: Charge) -> dict:
    return {
        "code": charge.code,
        "modifiers": charge.modifiers,
        "description": charge.description,
        "units": str(charge.units),
        "unit_price": str(charge.unit_price),
        "amount": str(charge.amount),
        "diagnosis_codes": list(charge.diagnosis_codes),
        "place_of_service": charge.place_of_service,
        "rendering_provider_id": charge.rendering_provider_id,
        "service_date": charge.service_date.isoformat(),
        "status": charge.status,
    }


def _units(value: object) -> Decimal:
    if isinstance(value, (bool, float)) or value is None:
        raise ValidationError({"units": "Enter a number of units such as 1 or 56."})
    try:
        units = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({"units": "Enter a number of units such as 1 or 56."}) from None
    if not units.is_finite() or units <= 0 or units > MAX_UNITS or units != units.quantize(Decimal("0.01")):
        raise ValidationError({"units": "Units are more than 0, at most 9999.99, in hundredths at most."})
    return units


def _diagnosis_codes(value: object) -> list[str]:
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",") if part.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(code, str) for code in value):
        raise ValidationError({"diagnosis_codes": "A list of ICD-10-CM codes, e.g. F33.2."})
    if len(value) > MAX_DIAGNOSES:
        raise ValidationError({"diagnosis_codes": "A claim line points to at most four diagnoses."})
    try:
        return [normalise_icd10_cm(code) for code in value]
    except ValueError as exc:
        raise ValidationError({"diagnosis_codes": str(exc)}) from None


def _rendering_provider(actor, value):
    if value in (None, ""):
        return None
    provider = (
        get_user_model()
        .objects.filter(pk=db_id_or_zero(value), organisation_id=actor.organisation_id, role__in=RENDERING_ROLES)
        .first()
    )
    if provider is None:
        raise ValidationError({"rendering_provider_id": "Choose one of this clinic's prescribers or therapists."})
    return provider


def _service_date(value: object) -> dt.date:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError({"service_date": "A date such as 2026-12-07."}) from None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({"service_date": "A date such as 2026-12-07."})
    if value.year < 2000:
        raise ValidationError({"service_date": "A date of service after 2000."})
    return value


def _code_of(charge_code_system: str, value: object) -> str:
    code = clean_text("code", value, required=True, max_chars=10).upper()
    if problem := fee_rules.code_problem(charge_code_system, code):
        raise ValidationError({"code": problem})
    return code


def _modifiers_of(value: object) -> str:
    modifiers, problem = fee_rules.normalise_modifiers(clean_text("modifiers", value, max_chars=20))
    if problem:
        raise ValidationError({"modifiers": problem})
    return modifiers


def _place_of_service(value: object) -> str:
    code = clean_text("place_of_service", value, required=True, max_chars=2)
    if problem := fee_rules.place_of_service_problem(code):
        raise ValidationError({"place_of_service": problem})
    return code


def _edited_values(actor, charge: Charge, fields: dict) -> dict:
    """Checked new values, every problem named on its field at once."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field of a charge cannot be changed."))
    cleaners = {
        "code": lambda v: _code_of(charge.code_system, v),
        "modifiers": _modifiers_of,
        "description": lambda v: clean_text("description", v, required=True, max_chars=200),
        "units": _units,
        "unit_price": lambda v: money_value("unit_price", v),
        "diagnosis_codes": _diagnosis_codes,
        "place_of_service": _place_of_service,
        "rendering_provider_id": lambda v: _rendering_provider(actor, v),
        "service_date": _service_date,
    }
    values, errors = {}, {}
    for name, value in fields.items():
        try:
            values[name] = cleaners[name](value)
        except ValidationError as exc:
            errors.update({field: messages[0] for field, messages in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    if "rendering_provider_id" in values:
        values["rendering_provider"] = values.pop("rendering_provider_id")
    return values


def _require_draft(charge: Charge, verb: str) -> None:
    if charge.status != ChargeStatus.DRAFT:
        raise ValidationError(
            {"status": f"Only a draft charge can be {verb}; this one is {charge.get_status_display().lower()}."}
        )


@transaction.atomic
def do_update_charge(actor, charge_id: int, **fields) -> Charge:
    """Correct a draft charge (code, modifiers, units, price, diagnoses, ...); the amount follows units × price.
    Audited with each changed field's value before and after."""
    require_permission(actor, Permission.CHARGES_EDIT)
    charge = access_charge_by_id(actor, charge_id, for_update=True)
    _require_draft(charge, "changed")
    values = _edited_values(actor, charge, fields)
    before = _charge_snapshot(charge)
    for name, value in values.items():
        setattr(charge, name, value)
    charge.amount = charge_amount(charge.units, charge.unit_price)
    charge.save()
    after = _charge_snapshot(charge)
    changes = {name: {"before": before[name], "after": after[name]} for name in after if before[name] != after[name]}
    record_event(actor, AuditAction.UPDATE, charge, patient=charge.patient, detail={"changes": changes})
    return charge


@transaction.atomic
def do_add_manual_charge(
    actor,
    patient_id: int,
    *,
    fee_item_id: int,
    location_id: int,
    service_date,
    units=1,
    rendering_provider_id=None,
    diagnosis_codes=None,
) -> Charge:
    """A charge no signed record made (a missed service, a supply): a draft from a fee schedule item."""
    require_permission(actor, Permission.CHARGES_EDIT)
    patient = billing_patient_by_id(actor, patient_id, audit=False)
    errors = {}
    location = Location.objects.filter(pk=db_id_or_zero(location_id), organisation_id=actor.organisation_id).first()
    if location is None:
        errors["location_id"] = "Choose one of this clinic's locations."
    item = FeeScheduleItem.objects.filter(
        pk=db_id_or_zero(fee_item_id), organisation_id=actor.organisation_id, is_active=True
    ).first()
    if item is None:
        errors["fee_item_id"] = "Choose an active item of the fee schedule."
    values = {}
    for name, cleaner, value in (
        ("service_date", _service_date, service_date),
        ("units", _units, units),
        ("rendering_provider", lambda v: _rendering_provider(actor, v), rendering_provider_id),
        (
            "diagnosis_codes",
            _diagnosis_codes,
            active_diagnosis_codes(patient) if diagnosis_codes is None else diagnosis_codes,
        ),
    ):
        try:
            values[name] = cleaner(value)
        except ValidationError as exc:
            errors.update({field: messages[0] for field, messages in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    item = _priced_item(item, location)
    charge = Charge.objects.create(
        organisation_id=patient.organisation_id,
        patient=patient,
        location=location,
        fee_item=item,
        code_system=item.code_system,
        code=item.code,
        modifiers=item.modifiers,
        description=item.description,
        unit_price=item.self_pay_price,
        amount=charge_amount(values["units"], item.self_pay_price),
        currency=item.currency,
        place_of_service=billing_settings_of(patient.organisation).place_of_service,
        created_at=timezone.now(),
        created_by=actor,
        **values,
    )
    record_event(
        actor, AuditAction.CREATE, charge, patient=patient, detail={**_charge_snapshot(charge), "manual": True}
    )
    return charge


def _package_credit_drawn(charge: Charge) -> bool:
    total = PackageCreditUse.objects.filter(charge=charge).aggregate(total=Sum("sessions"))["total"] or 0
    return total > 0


def _finalise(actor, charge: Charge, now) -> list[AccountEntry]:
    _require_draft(charge, "finalised")
    charge.status = ChargeStatus.FINAL
    charge.finalised_at = now
    charge.finalised_by = actor
    charge.save(update_fields=["status", "finalised_at", "finalised_by"])
    entries = []
    if charge.amount > 0:
        common = {
            "organisation_id": charge.organisation_id,
            "patient_id": charge.patient_id,
            "currency": charge.currency,
            "charge": charge,
            "posted_at": now,
            "posted_by": actor,
        }
        entries.append(AccountEntry.objects.create(kind=EntryKind.CHARGE, amount=charge.amount, **common))
        if _package_credit_drawn(charge):
            entries.append(
                AccountEntry.objects.create(
                    kind=EntryKind.PAYMENT, method=PaymentMethod.PACKAGE_CREDIT, amount=-charge.amount, **common
                )
            )
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        charge,
        patient=charge.patient,
        detail={"status": "final", "amount": str(charge.amount), "entries": [entry.pk for entry in entries]},
    )
    return entries


@transaction.atomic
def do_finalise_charge(actor, charge_id: int) -> Charge:
    """Post a draft charge to the patient's account (+amount; and −amount as a package-credit payment when a
    package paid for it). From then on it changes only by a void."""
    require_permission(actor, Permission.CHARGES_EDIT)
    charge = access_charge_by_id(actor, charge_id, for_update=True)
    _finalise(actor, charge, timezone.now())
    return charge


@transaction.atomic
def do_finalise_charges(actor, charge_ids) -> list[Charge]:
    """Finalise several drafts at once (the worklist); all or none."""
    require_permission(actor, Permission.CHARGES_EDIT)
    if not isinstance(charge_ids, (list, tuple)) or not charge_ids:
        raise ValidationError({"charge_ids": "Choose at least one draft charge."})
    charges = []
    now = timezone.now()
    for charge_id in dict.fromkeys(charge_ids):
        charge = access_charge_by_id(actor, charge_id, for_update=True)
        try:
            _finalise(actor, charge, now)
        except ValidationError:
            raise ValidationError(
                {"charge_ids": f"Charge {charge.pk} ({charge.code}) is not a draft; nothing was finalised."}
            ) from None
        charges.append(charge)
    return charges


@transaction.atomic
def do_void_charge(actor, charge_id: int, reason: str) -> Charge:
    """Void a charge with a reason: a draft is set aside; a final charge's account entries are each reversed
    by a new entry. A package credit it drew is given back."""
    require_permission(actor, Permission.CHARGES_EDIT)
    reason = clean_reason(reason, max_chars=300)
    charge = access_charge_by_id(actor, charge_id, for_update=True)
    if charge.status == ChargeStatus.VOIDED:
        raise ValidationError({"status": "This charge is already voided."})
    was = charge.status
    now = timezone.now()
    reversals = []
    if was == ChargeStatus.FINAL:
        open_entries = charge.entries.filter(reverses__isnull=True, reversed_by__isnull=True).order_by("pk")
        for entry in open_entries:
            reversals.append(
                AccountEntry.objects.create(
                    organisation_id=entry.organisation_id,
                    patient_id=entry.patient_id,
                    kind=EntryKind.REVERSAL,
                    amount=-entry.amount,
                    currency=entry.currency,
                    charge=charge,
                    method=entry.method,
                    reason=reason,
                    reverses=entry,
                    posted_at=now,
                    posted_by=actor,
                )
            )
    return_package_credit(actor, charge, reason)
    charge.status = ChargeStatus.VOIDED
    charge.save(update_fields=["status"])
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        charge,
        patient=charge.patient,
        detail={"status": "voided", "was": was, "reason": reason, "reversals": [entry.pk for entry in reversals]},
    )
    return charge
