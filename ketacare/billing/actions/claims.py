"""Every write to claims: build them from final charges, change their status (an appended
ClaimStatusChange each time), the payer's claim control number, replacement and void claims, withdrawing a
claim the payer never received, the savings-program secondary claim, and the 837P export.

CLAIMS_MANAGE (billing, clinic admin); one transaction and one audit entry per change.
"""

import datetime as dt
import re
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
from ketacare.billing.domain.claims import (
    CORRECTED,
    DECIDED,
    RECEIVED,
    correction_problem,
    may_change,
    withdrawal_problem,
)
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
    ClaimFrequency,
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
PAYER_CLAIM_NUMBER_MAX_CHARS = 50  # Claim.payer_claim_number, 837P REF02
# What payers' claim numbers (ICN, DCN) are made of; no X12 delimiter can reach REF*F8.
_PAYER_CLAIM_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./-]*")


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
    on_a_claim = ClaimLine.objects.holding_charges().filter(charge=OuterRef("pk"), claim__primary_claim__isnull=True)
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


def _create_claim(
    actor,
    organisation,
    coverage: Coverage,
    charges: list[Charge],
    *,
    number: int,
    primary=None,
    replaces: Claim | None = None,
    frequency_code: str = ClaimFrequency.ORIGINAL,
    note: str = "Built from final charges",
):
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
        frequency_code=frequency_code,
        replaces=replaces,
        created_at=timezone.now(),
        created_by=actor,
    )
    ClaimLine.objects.bulk_create(
        ClaimLine(claim=claim, charge=charge, line_number=position) for position, charge in enumerate(charges, 1)
    )
    _append_status(claim, actor, ClaimStatus.DRAFT, note=note)
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
            **({"replaces": replaces.number, "frequency_code": frequency_code} if replaces else {}),
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


def _clean_payer_claim_number(value: object) -> str:
    number = clean_text("payer_claim_number", value, max_chars=PAYER_CLAIM_NUMBER_MAX_CHARS)
    if number and not _PAYER_CLAIM_NUMBER.fullmatch(number):
        raise ValidationError(
            {"payer_claim_number": "A payer's claim number holds letters, digits, spaces, '.', '/' and '-'."}
        )
    return number


def _set_payer_claim_number(actor, claim: Claim, number: str) -> None:
    before = claim.payer_claim_number
    claim.payer_claim_number = number
    claim.save(update_fields=["payer_claim_number"])
    record_event(
        actor,
        AuditAction.UPDATE,
        claim,
        patient=claim.patient,
        organisation=claim.organisation,
        detail={"number": claim.number, "changes": {"payer_claim_number": {"before": before, "after": number}}},
    )


def do_record_payer_claim_number(actor, claim_id: int, *, payer_claim_number: str) -> Claim:
    """The payer's claim control number from its response (remittance, claim acknowledgment) to a claim it
    has received; empty clears a mistyped one. A replacement or void of the claim sends it as REF*F8."""
    require_permission(actor, Permission.CLAIMS_MANAGE)
    number = _clean_payer_claim_number(payer_claim_number)
    with transaction.atomic():
        claim = _claim_for_update(actor, claim_id)
        if claim.status not in RECEIVED:
            status = ClaimStatus(claim.status).label.lower()
            raise ValidationError({"payer_claim_number": f"A {status} claim has no number from the payer to record."})
        if number != claim.payer_claim_number:
            _set_payer_claim_number(actor, claim, number)
    return claim


def _original_to_correct(actor, claim_id: int, payer_claim_number: object) -> Claim:
    """The claim to replace or void, row-locked: received by the payer, never corrected before, and with the
    payer's claim number (given now, and then recorded, or recorded before)."""
    number = _clean_payer_claim_number(payer_claim_number)
    original = _claim_for_update(actor, claim_id)
    if problem := correction_problem(original.status, original.frequency_code):
        raise ValidationError({"claim": problem})
    if not (number or original.payer_claim_number):
        raise ValidationError(
            {"payer_claim_number": "Give the payer's claim control number from its response to this claim."}
        )
    if number and number != original.payer_claim_number:
        _set_payer_claim_number(actor, original, number)
    return original


def _replacement_charges(original: Claim) -> list[Charge]:
    """The charges as they are now: the original's charges still final, then the patient's final charges of
    the same days of service that no claim to this coverage holds yet (new ones made in place of voided ones)."""
    kept = [
        line.charge
        for line in original.lines.select_related("charge").order_by("line_number")
        if line.charge.status == ChargeStatus.FINAL
    ]
    days = original.lines.values("charge__service_date")
    on_a_claim = ClaimLine.objects.holding_charges().filter(
        charge=OuterRef("pk"), claim__coverage_id=original.coverage_id
    )
    added = (
        Charge.objects.filter(patient_id=original.patient_id, status=ChargeStatus.FINAL, service_date__in=days)
        .exclude(Exists(on_a_claim))
        .order_by("service_date", "pk")
    )
    charges = kept + list(added)
    if not charges:
        raise ValidationError({"charges": "No final charges remain for this claim's services: void the claim instead."})
    if len({(charge.rendering_provider_id, charge.place_of_service) for charge in charges}) > 1:
        raise ValidationError(
            {"charges": "The charges name different rendering providers or places of service; a claim has one of each."}
        )
    return charges


def _build_correction(actor, claim_id: int, payer_claim_number: object, frequency_code: str) -> Claim:
    """The replacement or void of a claim the payer has received, as a draft to the same coverage; the
    original becomes replaced or voided (its history says by which claim)."""
    require_permission(actor, Permission.CLAIMS_MANAGE)
    replacing = frequency_code == ClaimFrequency.REPLACEMENT
    with transaction.atomic():
        organisation = _lock_organisation(actor.organisation_id)
        original = _original_to_correct(actor, claim_id, payer_claim_number)
        if replacing:
            charges = _replacement_charges(original)
        else:
            charges = [line.charge for line in original.lines.select_related("charge").order_by("line_number")]
        correction = _create_claim(
            actor,
            organisation,
            original.coverage,
            charges,
            number=_next_claim_number(organisation),
            primary=original.primary_claim,
            replaces=original,
            frequency_code=frequency_code,
            note=f"{'Replaces' if replacing else 'Voids'} {original.number} (payer claim {original.payer_claim_number})",
        )
        ended = ClaimStatus.REPLACED if replacing else ClaimStatus.VOIDED
        _append_status(original, actor, ended, note=f"{ended.label} by {correction.number}")
        record_event(
            actor,
            AuditAction.STATUS_CHANGE,
            original,
            patient=original.patient,
            organisation=organisation,
            detail={"number": original.number, "to": ended, "by": correction.number},
        )
    return correction


def do_correct_claim(actor, claim_id: int, *, payer_claim_number: str = "") -> Claim:
    """A replacement (837P frequency 7, REF*F8 = the payer's claim number) of a claim the payer has received,
    built from its charges as they are now (billing voids a wrong charge and makes the right one first)."""
    return _build_correction(actor, claim_id, payer_claim_number, ClaimFrequency.REPLACEMENT)


def do_void_claim(actor, claim_id: int, *, payer_claim_number: str = "") -> Claim:
    """A void (837P frequency 8, REF*F8 = the payer's claim number) cancelling a claim the payer has received,
    with the same lines. Its charges stay claimed; to bill them again elsewhere, void them and make new ones."""
    return _build_correction(actor, claim_id, payer_claim_number, ClaimFrequency.VOID)


def do_withdraw_claim(actor, claim_id: int, *, reason: str) -> Claim:
    """Withdraw a draft or ready claim the payer never received (built by mistake, or a correction of the
    wrong claim), with the reason: it ends, keeping its number, and its charges may go on another claim (the
    next build takes them); a withdrawn correction gives the claim it replaced or voided back its earlier status."""
    require_permission(actor, Permission.CLAIMS_MANAGE)
    reason = clean_text("reason", reason, required=True, max_chars=NOTE_MAX_CHARS)
    with transaction.atomic():
        # The organisation first, as the builders and the export lock it: an export (which marks the ready claims
        # it read as sent) waits for the withdrawal and then reads this claim as withdrawn.
        organisation = _lock_organisation(actor.organisation_id)
        claim = _claim_for_update(actor, claim_id)
        if problem := withdrawal_problem(list(claim.status_changes.values_list("status", flat=True))):
            raise ValidationError({"claim": problem})
        before = claim.status
        _append_status(claim, actor, ClaimStatus.WITHDRAWN, note=reason)
        record_event(
            actor,
            AuditAction.STATUS_CHANGE,
            claim,
            patient=claim.patient,
            organisation=organisation,
            detail={"number": claim.number, "from": before, "to": ClaimStatus.WITHDRAWN, "reason": reason},
        )
        if claim.replaces_id:
            _restore_corrected(actor, organisation, claim)
    return claim


def _restore_corrected(actor, organisation: Organisation, correction: Claim) -> None:
    """The claim a withdrawn correction replaced or voided takes back its status from before (its last one that
    no correction set, with the amount paid then: a savings-program claim reads it), and may be corrected again."""
    original = _claim_for_update(actor, correction.replaces_id)
    earlier = original.status_changes.exclude(status__in=CORRECTED).last()
    ended = original.status
    _append_status(
        original,
        actor,
        earlier.status,
        note=f"Correction {correction.number} withdrawn",
        paid_amount=earlier.paid_amount,
    )
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        original,
        patient=original.patient,
        organisation=organisation,
        detail={"number": original.number, "from": ended, "to": earlier.status, "withdrawn": correction.number},
    )


def do_build_secondary_claim(actor, claim_id: int) -> Claim:
    """The savings-program claim after the primary payer decided: the same services, to the patient's
    active savings-program coverage, carrying what the primary paid (837P loop 2320)."""
    require_permission(actor, Permission.CLAIMS_MANAGE)
    with transaction.atomic():
        organisation = _lock_organisation(actor.organisation_id)
        primary = _claim_for_update(actor, claim_id)
        if primary.primary_claim_id:
            raise ValidationError({"claim": "This is already a secondary claim."})
        if primary.frequency_code == ClaimFrequency.VOID:
            raise ValidationError({"claim": "A void claim has no savings-program claim."})
        if primary.status not in DECIDED:
            raise ValidationError({"claim": "Record the primary payer's decision (paid or denied) first."})
        if Claim.objects.filter(primary_claim=primary).exclude(status=ClaimStatus.WITHDRAWN).exists():
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
