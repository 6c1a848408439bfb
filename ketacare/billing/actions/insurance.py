"""Every write to payers, coverage and the Spravato access pathway: permission, organisation, one transaction,
one audit entry per change (changes name their before and after)."""

import datetime as dt
import re
from contextlib import suppress
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.billing.actions.money_input import clean_amount, clean_choice
from ketacare.billing.domain.insurance import normalise_code
from ketacare.billing.domain.money import parse_amount
from ketacare.billing.models import (
    AcquisitionMode,
    AuthorizationStatus,
    BenefitsInvestigation,
    BenefitsResult,
    BillingSettings,
    Coverage,
    CoveragePriority,
    Payer,
    PayerKind,
    PriorAuthorization,
    SessionAcquisition,
    SubscriberRelationship,
)
from ketacare.billing.selectors.insurance import may_record_acquisition, shipment_receipts_for
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_text
from ketacare.patients.models import Patient
from ketacare.treatments.models import SessionStatus, TreatmentSession

# Electronic payer ids and HCPCS/CPT codes: letters and digits (837P NM1*PR09, SV101-2).
_PAYER_ID = re.compile(r"^[A-Za-z0-9]{1,20}$")
_SERVICE_CODE = re.compile(r"^[A-Z0-9]{5}$")
_REGION = re.compile(r"^[A-Z]{2}$")
_POSTAL_CODE = re.compile(r"^\d{5}(-?\d{4})?$")
COUNT_MAX = 10_000


# ---------------------------------------------------------------- input checks


def _date(field: str, value, *, required: bool = False) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: "Enter a date (YYYY-MM-DD)."})
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({field: "Enter a date (YYYY-MM-DD)."})
    if not dt.date(1900, 1, 1) <= value <= dt.date(2100, 12, 31):
        raise ValidationError({field: "Enter a date from 1900 to 2100."})
    return value


def _money(field: str, value) -> Decimal | None:
    """An amount in whole cents from zero (a $0 copay is an answer), or None when left blank."""
    if value in (None, ""):
        return None
    if isinstance(value, (str, int, Decimal)) and not isinstance(value, bool):
        with suppress(ValueError):
            if parse_amount(str(value)) == 0:
                return Decimal("0.00")
    return clean_amount(field, value)


def _count(field: str, value) -> int | None:
    if value in (None, ""):
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= COUNT_MAX:
        raise ValidationError({field: f"Enter a whole number from 1 to {COUNT_MAX}."})
    return value


def _date_range(start: dt.date | None, end: dt.date | None, end_field: str = "end_date") -> None:
    if start and end and end < start:
        raise ValidationError({end_field: "The end date is before the start date."})


def _currency(organisation_id: int) -> str:
    settings = BillingSettings.objects.filter(organisation_id=organisation_id).first()
    return settings.currency if settings else BillingSettings._meta.get_field("currency").default


def _changes(before: dict, after: dict) -> dict:
    """{field: [before, after]} for what changed (JSON-friendly for the audit entry)."""
    return {name: [str(before[name]), str(after[name])] for name in after if before.get(name) != after[name]}


# ---------------------------------------------------------------- payers (BILLING_SETUP)

PAYER_FIELDS = ("name", "kind", "payer_id", "address_line", "city", "region", "postal_code", "is_active")


def _clean_payer(actor, values: dict, *, payer: Payer | None = None) -> dict:
    cleaned = {
        "name": clean_text("name", values.get("name"), required=True, max_chars=120),
        "kind": clean_choice("kind", values.get("kind"), PayerKind),
        "payer_id": clean_text("payer_id", values.get("payer_id"), max_chars=20),
        "address_line": clean_text("address_line", values.get("address_line"), max_chars=200),
        "city": clean_text("city", values.get("city"), max_chars=100),
        "region": clean_text("region", values.get("region"), max_chars=2).upper(),
        "postal_code": clean_text("postal_code", values.get("postal_code"), max_chars=10),
        "is_active": values.get("is_active", True),
    }
    if cleaned["payer_id"] and not _PAYER_ID.match(cleaned["payer_id"]):
        raise ValidationError({"payer_id": "Letters and digits only, as the clearinghouse lists it."})
    if cleaned["region"] and not _REGION.match(cleaned["region"]):
        raise ValidationError({"region": "Give the two-letter state code."})
    if cleaned["postal_code"] and not _POSTAL_CODE.match(cleaned["postal_code"]):
        raise ValidationError({"postal_code": "Give a ZIP code: 5 or 9 digits."})
    if not isinstance(cleaned["is_active"], bool):
        raise ValidationError({"is_active": "Must be true or false."})
    same_name = Payer.objects.filter(organisation_id=actor.organisation_id, name=cleaned["name"])
    if payer is not None:
        same_name = same_name.exclude(pk=payer.pk)
    if same_name.exists():
        raise ValidationError({"name": "Another payer has this name."})
    return cleaned


@transaction.atomic
def do_create_payer(actor, **values) -> Payer:
    require_permission(actor, Permission.BILLING_SETUP)
    payer = Payer(organisation_id=actor.organisation_id, **_clean_payer(actor, values))
    payer.save(force_insert=True)
    record_event(actor, AuditAction.CREATE, payer, organisation=actor.organisation, detail={"name": payer.name})
    return payer


@transaction.atomic
def do_update_payer(actor, payer_id: int, **changes) -> Payer:
    """Change a payer's fields (those not given stay); `is_active=False` retires it from new coverage."""
    require_permission(actor, Permission.BILLING_SETUP)
    payer = (
        Payer.objects.select_for_update()
        .filter(pk=db_id_or_zero(payer_id), organisation_id=actor.organisation_id)
        .first()
    )
    if payer is None:
        raise ValidationError({"payer_id": "No such payer in your clinic."})
    unknown = set(changes) - set(PAYER_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed here."})
    before = {name: getattr(payer, name) for name in PAYER_FIELDS}
    after = _clean_payer(actor, {**before, **changes}, payer=payer)
    changed = _changes(before, after)
    if changed:
        for name, value in after.items():
            setattr(payer, name, value)
        payer.save()
        record_event(actor, AuditAction.UPDATE, payer, organisation=actor.organisation, detail={"changes": changed})
    return payer


# ---------------------------------------------------------------- coverage (INSURANCE_MANAGE)


def _patient(actor, patient_id) -> Patient:
    patient = Patient.objects.filter(
        pk=db_id_or_zero(patient_id), organisation_id=actor.organisation_id, merged_into__isnull=True
    ).first()
    if patient is None:
        raise ValidationError({"patient_id": "No such patient in your clinic."})
    return patient


def _coverage(actor, coverage_id, *, field: str = "coverage_id", lock: bool = False) -> Coverage:
    coverages = Coverage.objects.select_related("payer", "patient")
    if lock:
        coverages = coverages.select_for_update()
    coverage = coverages.filter(pk=db_id_or_zero(coverage_id), organisation_id=actor.organisation_id).first()
    if coverage is None:
        raise ValidationError({field: "No such coverage in your clinic."})
    return coverage


@transaction.atomic
def do_add_coverage(
    actor,
    *,
    patient_id: int,
    payer_id: int,
    member_id: str,
    group_number: str = "",
    priority: str = CoveragePriority.PRIMARY,
    relationship: str = SubscriberRelationship.SELF,
    subscriber_first_name: str = "",
    subscriber_last_name: str = "",
    subscriber_date_of_birth: dt.date | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> Coverage:
    """A patient's insurance. A manufacturer savings program pays after the insurer, so it is never primary
    (ANCHORS.md part 2 [K5][K8]: the copay card is billed as the secondary)."""
    require_permission(actor, Permission.INSURANCE_MANAGE)
    patient = _patient(actor, patient_id)
    payer = Payer.objects.filter(
        pk=db_id_or_zero(payer_id), organisation_id=actor.organisation_id, is_active=True
    ).first()
    if payer is None:
        raise ValidationError({"payer_id": "Choose one of this clinic's active payers."})
    priority = clean_choice("priority", priority, CoveragePriority)
    relationship = clean_choice("relationship", relationship, SubscriberRelationship)
    if payer.kind == PayerKind.SAVINGS_PROGRAM and priority == CoveragePriority.PRIMARY:
        raise ValidationError({"priority": "A savings program pays after the insurer: make it secondary."})
    coverage = Coverage(
        organisation_id=actor.organisation_id,
        patient=patient,
        payer=payer,
        member_id=clean_text("member_id", member_id, required=True, max_chars=40),
        group_number=clean_text("group_number", group_number, max_chars=40),
        priority=priority,
        relationship=relationship,
        subscriber_first_name=clean_text("subscriber_first_name", subscriber_first_name, max_chars=100),
        subscriber_last_name=clean_text("subscriber_last_name", subscriber_last_name, max_chars=100),
        subscriber_date_of_birth=_date("subscriber_date_of_birth", subscriber_date_of_birth),
        start_date=_date("start_date", start_date),
        end_date=_date("end_date", end_date),
        created_at=timezone.now(),
        created_by=actor,
    )
    _date_range(coverage.start_date, coverage.end_date)
    if relationship != SubscriberRelationship.SELF:
        for field in ("subscriber_first_name", "subscriber_last_name", "subscriber_date_of_birth"):
            if not getattr(coverage, field):
                raise ValidationError({field: "Give the subscriber's name and date of birth (not the patient)."})
    if Coverage.objects.filter(patient=patient, priority=priority, is_active=True).exists():
        raise ValidationError(
            {
                "priority": f"The patient already has an active {coverage.get_priority_display().lower()} coverage: "
                "end it first."
            }
        )
    coverage.save(force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        coverage,
        patient=patient,
        detail={"payer": payer.name, "priority": priority, "member_id": coverage.member_id},
    )
    return coverage


@transaction.atomic
def do_end_coverage(actor, coverage_id: int, *, end_date: dt.date) -> Coverage:
    """The coverage stops on `end_date` and is no longer active (kept for the claims it paid)."""
    require_permission(actor, Permission.INSURANCE_MANAGE)
    coverage = _coverage(actor, coverage_id, lock=True)
    if not coverage.is_active:
        raise ValidationError({"coverage_id": "This coverage has already ended."})
    end = _date("end_date", end_date, required=True)
    _date_range(coverage.start_date, end)
    before = coverage.end_date
    coverage.end_date, coverage.is_active = end, False
    coverage.save(update_fields=["end_date", "is_active"])
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        coverage,
        patient=coverage.patient,
        detail={"ended": True, "end_date": [str(before), str(end)]},
    )
    return coverage


# ---------------------------------------------------------------- benefits investigation


@transaction.atomic
def do_record_benefits_investigation(
    actor,
    *,
    coverage_id: int,
    result: str,
    copay=None,
    coinsurance_percent=None,
    deductible=None,
    deductible_met=None,
    reference: str = "",
    notes: str = "",
) -> BenefitsInvestigation:
    """What the payer said about esketamine for this coverage (Spravato withMe or a call; [K5][K6])."""
    require_permission(actor, Permission.INSURANCE_MANAGE)
    coverage = _coverage(actor, coverage_id)
    if not coverage.is_active:
        raise ValidationError({"coverage_id": "This coverage has ended."})
    coinsurance = None
    if coinsurance_percent not in (None, ""):
        if isinstance(coinsurance_percent, int) and not isinstance(coinsurance_percent, bool):
            coinsurance_percent = Decimal(coinsurance_percent)
        if (
            not isinstance(coinsurance_percent, Decimal)
            or not coinsurance_percent.is_finite()
            or not Decimal(0) <= coinsurance_percent <= 100
            or coinsurance_percent != coinsurance_percent.quantize(Decimal("0.01"))
        ):
            raise ValidationError({"coinsurance_percent": "Enter a percentage from 0 to 100."})
        coinsurance = coinsurance_percent
    investigation = BenefitsInvestigation(
        organisation_id=actor.organisation_id,
        patient=coverage.patient,
        coverage=coverage,
        investigated_at=timezone.now(),
        investigated_by=actor,
        result=clean_choice("result", result, BenefitsResult),
        copay=_money("copay", copay),
        coinsurance_percent=coinsurance,
        deductible=_money("deductible", deductible),
        deductible_met=_money("deductible_met", deductible_met),
        currency=_currency(actor.organisation_id),
        reference=clean_text("reference", reference, max_chars=80),
        notes=clean_text("notes", notes, max_chars=5000),
    )
    if (
        investigation.deductible is not None
        and investigation.deductible_met is not None
        and investigation.deductible_met > investigation.deductible
    ):
        raise ValidationError({"deductible_met": "More than the deductible."})
    investigation.save(force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        investigation,
        patient=coverage.patient,
        detail={"coverage_id": coverage.pk, "result": investigation.result},
    )
    return investigation


# ---------------------------------------------------------------- prior authorisation

AUTHORIZATION_FIELDS = (
    "number",
    "status",
    "service_code",
    "approved_sessions",
    "approved_units",
    "start_date",
    "end_date",
    "notes",
)


def _clean_authorization(values: dict) -> dict:
    cleaned = {
        "number": clean_text("number", values.get("number"), max_chars=50),
        "status": clean_choice("status", values.get("status"), AuthorizationStatus),
        "service_code": normalise_code(clean_text("service_code", values.get("service_code"), max_chars=10)),
        "approved_sessions": _count("approved_sessions", values.get("approved_sessions")),
        "approved_units": _count("approved_units", values.get("approved_units")),
        "start_date": _date("start_date", values.get("start_date")),
        "end_date": _date("end_date", values.get("end_date")),
        "notes": clean_text("notes", values.get("notes"), max_chars=5000),
    }
    if cleaned["service_code"] and not _SERVICE_CODE.match(cleaned["service_code"]):
        raise ValidationError({"service_code": "Give a five-character HCPCS or CPT code, e.g. J0013."})
    _date_range(cleaned["start_date"], cleaned["end_date"])
    if cleaned["status"] == AuthorizationStatus.APPROVED:
        # What the payer's approval letter states; without it visits cannot be counted or expiry warned.
        if not cleaned["number"]:
            raise ValidationError({"number": "An approved authorisation has the payer's number."})
        if not cleaned["start_date"]:
            raise ValidationError({"start_date": "Give the first day the approval covers."})
        if not cleaned["end_date"]:
            raise ValidationError({"end_date": "Give the approval's expiry date."})
        if cleaned["approved_sessions"] is None and cleaned["approved_units"] is None:
            raise ValidationError({"approved_sessions": "Give the approved sessions or units."})
    return cleaned


@transaction.atomic
def do_record_prior_authorization(actor, *, coverage_id: int, **values) -> PriorAuthorization:
    """A prior authorisation requested from (pending) or answered by (approved, denied) the coverage's payer."""
    require_permission(actor, Permission.INSURANCE_MANAGE)
    coverage = _coverage(actor, coverage_id)
    if not coverage.is_active:
        raise ValidationError({"coverage_id": "This coverage has ended."})
    unknown = set(values) - set(AUTHORIZATION_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "Unknown field."})
    authorization = PriorAuthorization(
        organisation_id=actor.organisation_id,
        patient=coverage.patient,
        coverage=coverage,
        requested_at=timezone.now(),
        recorded_by=actor,
        **_clean_authorization({"status": AuthorizationStatus.PENDING, **values}),
    )
    authorization.save(force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        authorization,
        patient=coverage.patient,
        detail={"coverage_id": coverage.pk, "status": authorization.status, "number": authorization.number},
    )
    return authorization


@transaction.atomic
def do_update_prior_authorization(actor, authorization_id: int, **changes) -> PriorAuthorization:
    """The payer's answer or a correction (fields not given stay); every change audited with before and after."""
    require_permission(actor, Permission.INSURANCE_MANAGE)
    authorization = (
        PriorAuthorization.objects.select_for_update()
        .select_related("patient")
        .filter(pk=db_id_or_zero(authorization_id), organisation_id=actor.organisation_id)
        .first()
    )
    if authorization is None:
        raise ValidationError({"authorization_id": "No such prior authorisation in your clinic."})
    unknown = set(changes) - set(AUTHORIZATION_FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "This field cannot be changed here."})
    before = {name: getattr(authorization, name) for name in AUTHORIZATION_FIELDS}
    after = _clean_authorization({**before, **changes})
    changed = _changes(before, after)
    if changed:
        for name, value in after.items():
            setattr(authorization, name, value)
        authorization.save()
        action = AuditAction.STATUS_CHANGE if "status" in changed else AuditAction.UPDATE
        record_event(actor, action, authorization, patient=authorization.patient, detail={"changes": changed})
    return authorization


# ---------------------------------------------------------------- session acquisition (nurse or billing)


@transaction.atomic
def do_record_session_acquisition(
    actor, *, session_id: int, mode: str, shipment_receipt_id: int | None = None
) -> SessionAcquisition:
    """How this esketamine session's drug was acquired: from the clinic's stock (buy and bill), or shipped by
    a specialty pharmacy for this patient, naming the ledger receipt of that shipment ([K6]). Recording again
    replaces the answer (audited with before and after)."""
    if not may_record_acquisition(actor):
        require_permission(actor, Permission.INSURANCE_MANAGE)
    session = (
        TreatmentSession.objects.select_related("patient", "location")
        .filter(pk=db_id_or_zero(session_id), organisation_id=actor.organisation_id)
        .first()
    )
    if session is None:
        raise ValidationError({"session_id": "No such session in your clinic."})
    if not session.is_esketamine:
        raise ValidationError({"session_id": "Acquisition is recorded for esketamine sessions only."})
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError({"session_id": "This session was not given."})
    mode = clean_choice("mode", mode, AcquisitionMode)
    receipt = None
    if mode == AcquisitionMode.SPECIALTY_PHARMACY:
        if shipment_receipt_id in (None, ""):
            raise ValidationError({"shipment_receipt_id": "Choose the ledger receipt of this patient's shipment."})
        receipt = shipment_receipts_for(session).filter(pk=db_id_or_zero(shipment_receipt_id)).first()
        if receipt is None:
            raise ValidationError(
                {
                    "shipment_receipt_id": "Choose an esketamine receipt at this session's location that is not "
                    "another patient's shipment."
                }
            )
    elif shipment_receipt_id not in (None, ""):
        raise ValidationError({"shipment_receipt_id": "Buy and bill uses the clinic's stock: no shipment receipt."})
    existing = SessionAcquisition.objects.select_for_update().filter(session=session).first()
    if existing is None:
        acquisition = SessionAcquisition(
            session=session, mode=mode, shipment_receipt=receipt, recorded_at=timezone.now(), recorded_by=actor
        )
        acquisition.save(force_insert=True)
        record_event(
            actor,
            AuditAction.CREATE,
            acquisition,
            patient=session.patient,
            detail={"session_id": session.pk, "mode": mode, "shipment_receipt_id": receipt.pk if receipt else None},
        )
        return acquisition
    before = {"mode": existing.mode, "shipment_receipt_id": existing.shipment_receipt_id}
    after = {"mode": mode, "shipment_receipt_id": receipt.pk if receipt else None}
    changed = _changes(before, after)
    if changed:
        existing.mode, existing.shipment_receipt = mode, receipt
        existing.recorded_at, existing.recorded_by = timezone.now(), actor
        existing.save()
        record_event(actor, AuditAction.UPDATE, existing, patient=session.patient, detail={"changes": changed})
    return existing
