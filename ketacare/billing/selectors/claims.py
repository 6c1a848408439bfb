"""Reads of claims, 837P files and superbills.

- `claim_837p_data`, `interchange_parties`: a claim and the organisation as the 837P builder's plain data
  (no permission check: the caller's action or selector has it);
- access-checked reads for pages and the API: claims are CLAIMS_MANAGE (billing, clinic admin) within the
  user's organisation (another organisation's: 404), every read of one claim audited; a superbill is
  BILLING_VIEW (the front desk hands it out) and its read audited as an export.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.billing.domain.x12_837p import (
    Address,
    BillingProvider,
    ClaimData,
    PayerInfo,
    Person,
    PriorPayer,
    Receiver,
    RenderingProvider,
    ServiceLine,
    Submitter,
    Subscriber,
    diagnosis_pointers,
)
from ketacare.billing.models import (
    AccountEntry,
    BillingSettings,
    Charge,
    ChargeStatus,
    Claim,
    ClaimExport,
    ClaimStatus,
    Coverage,
    EntryKind,
    ProviderBillingIdentity,
)
from ketacare.billing.selectors.fees import billing_settings_of
from ketacare.billing.selectors.insurance import billing_patient_by_id, primary_coverage
from ketacare.lib.ids import db_id_or_zero
from ketacare.patients.models import Patient

# --- Plain data for the 837P builder and the printed claim


def _patient_person(patient: Patient) -> Person:
    address = Address(patient.address_line, patient.city, patient.region, patient.postal_code)
    return Person(patient.first_name, patient.last_name, patient.date_of_birth, patient.sex_at_birth, address)


def subscriber_of(coverage: Coverage) -> Subscriber:
    """The coverage's subscriber: the patient themselves (relationship 18), else the named subscriber,
    who lives at the patient's address (what a clinic records)."""
    patient = _patient_person(coverage.patient)
    if coverage.relationship == "18":
        person = patient
    else:
        person = Person(
            coverage.subscriber_first_name,
            coverage.subscriber_last_name,
            coverage.subscriber_date_of_birth,
            "",
            patient.address,
        )
    payer = PayerInfo(coverage.payer.name, coverage.payer.payer_id, coverage.payer.kind)
    return Subscriber(
        person, coverage.member_id, coverage.group_number, payer, coverage.priority, coverage.relationship
    )


def _rendering_provider(user) -> RenderingProvider | None:
    if user is None:
        return None
    identity = ProviderBillingIdentity.objects.filter(user=user).first()
    return RenderingProvider(
        user.first_name, user.last_name, identity.npi if identity else "", identity.taxonomy_code if identity else ""
    )


def _modifiers(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace(" ", ",").split(",") if part.strip())


def claim_837p_data(claim: Claim) -> ClaimData:
    """`claim` as the builder's plain data (its lines' charges, coverage, provider, prior payer)."""
    lines = []
    for line in claim.lines.select_related("charge").order_by("line_number"):
        charge = line.charge
        lines.append(
            ServiceLine(
                code=charge.code,
                modifiers=_modifiers(charge.modifiers),
                charge=charge.amount,
                units=charge.units,
                service_date=charge.service_date,
                diagnosis_pointers=diagnosis_pointers(claim.diagnosis_codes, charge.diagnosis_codes),
            )
        )
    prior_payer = None
    if claim.primary_claim_id:
        primary = claim.primary_claim
        decision = primary.status_changes.filter(status__in=[ClaimStatus.PAID, ClaimStatus.DENIED]).last()
        paid = decision.paid_amount if decision and decision.paid_amount is not None else Decimal("0")
        prior_payer = PriorPayer(subscriber_of(primary.coverage), paid)
    authorization = claim.prior_authorization.number if claim.prior_authorization_id else ""
    return ClaimData(
        control_number=claim.number,
        patient=_patient_person(claim.patient),
        subscriber=subscriber_of(claim.coverage),
        place_of_service=claim.place_of_service,
        diagnosis_codes=tuple(claim.diagnosis_codes),
        lines=tuple(lines),
        rendering_provider=_rendering_provider(claim.rendering_provider),
        prior_authorization=authorization,
        prior_payer=prior_payer,
        frequency_code=claim.frequency_code,
        # The original's number as the payer gave it (it cannot change once the claim is replaced or voided).
        payer_claim_number=claim.replaces.payer_claim_number if claim.replaces_id else "",
    )


def interchange_parties(settings: BillingSettings) -> tuple[Submitter, Receiver, BillingProvider]:
    """The organisation as submitter and billing provider, and its clearinghouse as receiver."""
    name = settings.billing_name or settings.organisation.name
    phone = settings.phone or settings.organisation.phone
    address = Address(settings.address_line, settings.city, settings.region, settings.postal_code)
    return (
        Submitter(name, settings.submitter_id, "Billing office", phone),
        Receiver(settings.receiver_name, settings.receiver_id),
        BillingProvider(name, settings.billing_npi, settings.tax_id, settings.taxonomy_code, address),
    )


# --- Access-checked reads


def claims_for(user, *, status: str = "") -> QuerySet[Claim]:
    require_permission(user, Permission.CLAIMS_MANAGE)
    claims = Claim.objects.filter(organisation_id=user.organisation_id).select_related("patient", "coverage__payer")
    return claims.filter(status=status) if status else claims


def access_claim_by_id(user, claim_id: int, *, audit: bool = True) -> Claim:
    """One claim of the user's organisation (404 otherwise); the read is audited."""
    claim = (
        claims_for(user)
        .select_related("rendering_provider", "prior_authorization", "primary_claim", "replaces", "organisation")
        .filter(pk=db_id_or_zero(claim_id))
        .first()
    )
    if claim is None:
        raise Http404("No such claim")
    if audit:
        record_event(user, AuditAction.VIEW, claim, patient=claim.patient, organisation=claim.organisation)
    return claim


def claim_exports_for(user) -> QuerySet[ClaimExport]:
    require_permission(user, Permission.CLAIMS_MANAGE)
    return ClaimExport.objects.filter(organisation_id=user.organisation_id).select_related("created_by")


def access_claim_export_by_id(user, export_id: int) -> ClaimExport:
    export = claim_exports_for(user).filter(pk=db_id_or_zero(export_id)).first()
    if export is None:
        raise Http404("No such 837P file")
    record_event(user, AuditAction.EXPORT, export, organisation=export.organisation, detail={"download": True})
    return export


@dataclass(frozen=True)
class SuperbillLine:
    charge: Charge
    paid: Decimal  # package credit and payments posted against this charge


@dataclass(frozen=True)
class Superbill:
    """What a patient sends to an out-of-network insurer for the services of a period."""

    patient: Patient
    settings: BillingSettings
    coverage: Coverage | None
    date_from: dt.date
    date_to: dt.date
    lines: tuple[SuperbillLine, ...]
    diagnosis_codes: tuple[str, ...]
    rendering_providers: tuple[tuple[object, RenderingProvider], ...]
    total: Decimal
    paid: Decimal

    @property
    def currency(self) -> str:
        return self.settings.currency


def _paid(entries) -> Decimal:
    # Payments are negative entries, refunds of them positive: what the patient paid is their negation.
    return -(entries.aggregate(total=Sum("amount"))["total"] or Decimal("0"))


def superbill_for(user, patient_id: int, *, date_from: dt.date, date_to: dt.date) -> Superbill:
    """superbill_of the patient for a reader with BILLING_VIEW; the read is audited as an export."""
    patient = billing_patient_by_id(user, patient_id, audit=False)
    record_event(
        user,
        AuditAction.EXPORT,
        patient,
        patient=patient,
        organisation=patient.organisation,
        detail={"document": "superbill", "from": date_from.isoformat(), "to": date_to.isoformat()},
    )
    return superbill_of(patient, date_from=date_from, date_to=date_to)


def superbill_of(patient: Patient, *, date_from: dt.date, date_to: dt.date) -> Superbill:
    """The patient's final charges with service dates in [date_from, date_to] and what was paid: against
    those charges, and (not tied to a charge) posted in the same days. Not audited: for superbill_for and
    the clinic's export (documents/printed.py), which audit their reads."""
    charges = list(
        Charge.objects.filter(
            patient=patient, status=ChargeStatus.FINAL, service_date__gte=date_from, service_date__lte=date_to
        )
        .select_related("rendering_provider", "location")
        .order_by("service_date", "pk")
    )
    money_in = AccountEntry.objects.filter(patient=patient, kind__in=[EntryKind.PAYMENT, EntryKind.REFUND])
    lines = tuple(SuperbillLine(charge, _paid(money_in.filter(charge=charge))) for charge in charges)
    unallocated = money_in.filter(charge__isnull=True, posted_at__date__gte=date_from, posted_at__date__lte=date_to)
    codes: list[str] = []
    providers: dict[int, tuple[object, RenderingProvider]] = {}
    for charge in charges:
        codes.extend(code for code in charge.diagnosis_codes if code not in codes)
        provider = _rendering_provider(charge.rendering_provider)
        if provider is not None:
            providers.setdefault(charge.rendering_provider_id, (charge.rendering_provider, provider))
    return Superbill(
        patient=patient,
        settings=billing_settings_of(patient.organisation),
        coverage=primary_coverage(patient, date_to),
        date_from=date_from,
        date_to=date_to,
        lines=lines,
        diagnosis_codes=tuple(codes),
        rendering_providers=tuple(providers.values()),
        total=sum((line.charge.amount for line in lines), Decimal("0")),
        paid=sum((line.paid for line in lines), Decimal("0")) + _paid(unallocated),
    )


def patient_claims(user, patient: Patient) -> QuerySet[Claim]:
    return claims_for(user).filter(patient=patient)
