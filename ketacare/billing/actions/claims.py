"""Every write to claims: build them from final charges, change their status (an appended
ClaimStatusChange each time), the savings-program secondary claim, and the 837P export.

CLAIMS_MANAGE (billing, clinic admin); one transaction and one audit entry per change.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.billing.actions.money_input import clean_amount, clean_choice
from ketacare.billing.domain.claims import DECIDED, may_change
from ketacare.billing.domain.x12_837p import (
    Interchange,
    build_837p,
    claim_problems,
    merged_diagnoses,
    setup_problems,
)
from ketacare.billing.models import (
    Charge,
    ChargeStatus,
    Claim,
    ClaimExport,
    ClaimLine,
    ClaimStatus,
    ClaimStatusChange,
    Coverage,
    PayerKind,
)
from ketacare.billing.selectors.claims import claim_837p_data, interchange_parties
from ketacare.billing.selectors.fees import billing_settings_of
from ketacare.billing.selectors.insurance import primary_coverage
from ketacare.clinics.models import Organisation
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_text

NOTE_MAX_CHARS = 300  # ClaimStatusChange.note


def clean_date(field: str, value: object) -> dt.date | None:
    """A date given as a date or as YYYY-MM-DD text; None when not given."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError({field: "Give a date as YYYY-MM-DD."})


def clean_date_range(date_from: object, date_to: object) -> tuple[dt.date | None, dt.date | None]:
    start, end = clean_date("date_from", date_from), clean_date("date_to", date_to)
    if start and end and start > end:
        raise ValidationError({"date_to": "The last day is before the first."})
    return start, end


def _next_claim_number(organisation: Organisation) -> int:
    last = Claim.objects.filter(organisation=organisation).aggregate(last=Max("number"))["last"]
    return int(last[1:]) + 1 if last else 1


def _lock_organisation(organisation_id: int) -> Organisation:
    """Claim and file numbers count per organisation: one builder at a time."""
    return Organisation.objects.select_for_update().get(pk=organisation_id)


def _append_status(claim: Claim, actor, status: str, *, note: str = "", paid_amount=None) -> ClaimStatusChange:
    now = timezone.now()
    change = ClaimStatusChange.objects.create(
        claim=claim, status=status, paid_amount=paid_amount, note=note, changed_at=now, changed_by=actor
    )
    claim.status = status
    claim.save(update_fields=["status"])
    return change


def _claim_for_update(actor, claim_id: object) -> Claim:
    claim = (
        Claim.objects.select_for_update()
        .filter(organisation_id=actor.organisation_id, pk=db_id_or_zero(claim_id))
        .first()
    )
    if claim is None:
        raise Http404("No such claim")
    return claim


@dataclass(frozen=True)
class _ClaimKey:
    patient_id: int
    coverage_id: int
    service_date: dt.date
    rendering_provider_id: int | None
    place_of_service: str


def do_build_claims(actor, *, date_from=None, date_to=None) -> list[Claim]:
    """Draft claims for the final charges of insured patients not yet on a claim: one claim per patient,
    primary coverage on the day of service, rendering provider and place of service (carrying the prior
    authorisation its charges name).
    Self-pay patients' charges are left alone (they get a superbill). Returns the new claims."""
    require_permission(actor, Permission.CLAIMS_MANAGE)
    start, end = clean_date_range(date_from, date_to)
    on_a_claim = ClaimLine.objects.filter(charge=OuterRef("pk"), claim__primary_claim__isnull=True)
    charges = (
        Charge.objects.filter(organisation_id=actor.organisation_id, status=ChargeStatus.FINAL)
        .exclude(Exists(on_a_claim))
        .select_related("patient")
        .order_by("service_date", "patient_id", "pk")
    )
    if start:
        charges = charges.filter(service_date__gte=start)
    if end:
        charges = charges.filter(service_date__lte=end)
    with transaction.atomic():
        organisation = _lock_organisation(actor.organisation_id)
        groups: dict[_ClaimKey, list[Charge]] = defaultdict(list)
        coverages: dict[int, Coverage] = {}
        for charge in charges:
            coverage = primary_coverage(charge.patient, charge.service_date)
            if coverage is None or coverage.payer.kind == PayerKind.SAVINGS_PROGRAM:
                continue
            coverages[coverage.pk] = coverage
            key = _ClaimKey(
                charge.patient_id,
                coverage.pk,
                charge.service_date,
                charge.rendering_provider_id,
                charge.place_of_service,
            )
            groups[key].append(charge)
        number = _next_claim_number(organisation)
        claims = []
        for key, group in groups.items():
            claim = _create_claim(actor, organisation, coverages[key.coverage_id], group, number=number)
            claims.append(claim)
            number += 1
    return claims


def _create_claim(actor, organisation, coverage: Coverage, charges: list[Charge], *, number: int, primary=None):
    first = charges[0]
    claim = Claim.objects.create(
        organisation=organisation,
        patient=first.patient,
        coverage=coverage,
        number=f"C{number:06d}",
        status=ClaimStatus.DRAFT,
        total=sum(charge.amount for charge in charges),
        currency=first.currency,
        place_of_service=first.place_of_service,
        diagnosis_codes=list(merged_diagnoses(charge.diagnosis_codes for charge in charges)),
        rendering_provider=first.rendering_provider,
        prior_authorization=next((c.prior_authorization for c in charges if c.prior_authorization_id), None),
        primary_claim=primary,
        created_at=timezone.now(),
        created_by=actor,
    )
    ClaimLine.objects.bulk_create(
        ClaimLine(claim=claim, charge=charge, line_number=position) for position, charge in enumerate(charges, 1)
    )
    _append_status(claim, actor, ClaimStatus.DRAFT, note="Built from final charges")
    record_event(
        actor,
        AuditAction.CREATE,
        claim,
        patient=claim.patient,
        organisation=organisation,
        detail={
            "number": claim.number,
            "payer": coverage.payer.name,
            "charges": [charge.pk for charge in charges],
            "total": str(claim.total),
            **({"primary_claim": primary.number} if primary else {}),
        },
    )
    return claim


def claim_readiness_problems(claim: Claim) -> list[str]:
    """What the claim and the organisation's billing settings lack for an 837P (empty: ready)."""
    submitter, receiver, provider = interchange_parties(billing_settings_of(claim.organisation))
    return setup_problems(submitter, receiver, provider) + claim_problems(claim_837p_data(claim))


def do_change_claim_status(actor, claim_id: int, *, status: str, paid_amount=None, note: str = "") -> Claim:
    """Move a claim along draft → ready → sent → paid/denied (billing/domain/claims.py), appending the
    change. Ready needs everything an 837P needs; paid needs the amount the payer paid; denied a reason."""
    require_permission(actor, Permission.CLAIMS_MANAGE)
    status = clean_choice("status", status, ClaimStatus)
    note = clean_text("note", note, required=status == ClaimStatus.DENIED, max_chars=NOTE_MAX_CHARS)
    with transaction.atomic():
        claim = _claim_for_update(actor, claim_id)
        before = claim.status
        if not may_change(before, status):
            current, wanted = ClaimStatus(before).label.lower(), ClaimStatus(status).label.lower()
            raise ValidationError({"status": f"A {current} claim cannot become {wanted}."})
        paid = None
        if status == ClaimStatus.PAID:
            paid = clean_amount("paid_amount", paid_amount)
            if paid > claim.total:
                raise ValidationError({"paid_amount": f"The claim is for {claim.total}; the payer cannot pay more."})
        elif paid_amount not in (None, ""):
            raise ValidationError({"paid_amount": "Give the paid amount only when the claim is paid."})
        if status == ClaimStatus.READY and (problems := claim_readiness_problems(claim)):
            raise ValidationError({"status": [f"Not ready: {problem}." for problem in problems]})
        _append_status(claim, actor, status, note=note, paid_amount=paid)
        record_event(
            actor,
            AuditAction.STATUS_CHANGE,
            claim,
            patient=claim.patient,
            organisation=claim.organisation,
            detail={"number": claim.number, "from": before, "to": status, **({"paid": str(paid)} if paid else {})},
        )
    return claim


def do_build_secondary_claim(actor, claim_id: int) -> Claim:
    """The savings-program claim after the primary payer decided: the same services, to the patient's
    active savings-program coverage, carrying what the primary paid (837P loop 2320)."""
    require_permission(actor, Permission.CLAIMS_MANAGE)
    with transaction.atomic():
        organisation = _lock_organisation(actor.organisation_id)
        primary = _claim_for_update(actor, claim_id)
        if primary.primary_claim_id:
            raise ValidationError({"claim": "This is already a secondary claim."})
        if primary.status not in DECIDED:
            raise ValidationError({"claim": "Record the primary payer's decision (paid or denied) first."})
        if Claim.objects.filter(primary_claim=primary).exists():
            raise ValidationError({"claim": "A savings-program claim was already built for this claim."})
        service_date = primary.lines.order_by("line_number").first().charge.service_date
        savings = [
            coverage
            for coverage in Coverage.objects.filter(
                patient=primary.patient, is_active=True, payer__kind=PayerKind.SAVINGS_PROGRAM
            ).select_related("payer")
            if (coverage.start_date is None or coverage.start_date <= service_date)
            and (coverage.end_date is None or service_date <= coverage.end_date)
        ]
        if not savings:
            raise ValidationError({"coverage": "The patient has no savings-program coverage on the day of service."})
        charges = [line.charge for line in primary.lines.select_related("charge").order_by("line_number")]
        return _create_claim(
            actor, organisation, savings[0], charges, number=_next_claim_number(organisation), primary=primary
        )


def do_export_837p(actor, *, date_from=None, date_to=None) -> ClaimExport:
    """The 837P file of the ready claims whose services fall in [date_from, date_to]: every claim and the
    billing settings checked first (nothing changes when one fails, each problem named), then the file is
    stored, its claims marked sent (appended status changes) and the export audited."""
    require_permission(actor, Permission.CLAIMS_MANAGE)
    start, end = clean_date_range(date_from, date_to)
    with transaction.atomic():
        organisation = _lock_organisation(actor.organisation_id)
        claims = Claim.objects.filter(organisation=organisation, status=ClaimStatus.READY)
        if start:
            claims = claims.filter(lines__charge__service_date__gte=start)
        if end:
            claims = claims.filter(lines__charge__service_date__lte=end)
        claims = list(
            claims.distinct()
            .select_related("patient", "coverage__payer", "primary_claim__coverage__payer")
            .order_by("number")
        )
        if not claims:
            raise ValidationError({"claims": "No claims are ready to send for these dates."})
        settings = billing_settings_of(organisation)
        submitter, receiver, provider = interchange_parties(settings)
        problems = [f"{problem}." for problem in setup_problems(submitter, receiver, provider)]
        if problems:
            raise ValidationError({"billing_settings": problems})
        data = [claim_837p_data(claim) for claim in claims]
        problems = [
            f"{claim.number}: {problem}."
            for claim, item in zip(claims, data, strict=True)
            for problem in claim_problems(item)
        ]
        if problems:
            raise ValidationError({"claims": problems})
        last = ClaimExport.objects.filter(organisation=organisation).aggregate(last=Max("control_number"))["last"]
        control_number = (last or 0) + 1
        now = timezone.now()
        content = build_837p(Interchange(control_number, now), submitter, receiver, provider, data)
        export = ClaimExport.objects.create(
            organisation=organisation,
            control_number=control_number,
            date_from=start,
            date_to=end,
            content=content,
            created_at=now,
            created_by=actor,
        )
        export.claims.set(claims)
        for claim in claims:
            _append_status(claim, actor, ClaimStatus.SENT, note=f"837P file {control_number:09d}")
            claim.exported_at = now
            claim.save(update_fields=["exported_at"])
        record_event(
            actor,
            AuditAction.EXPORT,
            export,
            organisation=organisation,
            detail={"format": "837P", "control_number": control_number, "claims": [claim.number for claim in claims]},
        )
    return export
