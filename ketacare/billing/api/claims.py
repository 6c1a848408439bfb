"""Claims endpoints under /api/v1/billing/claims: the same actions and selectors as the pages."""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Router, Schema
from pydantic import StringConstraints

from ketacare.billing.actions import claims as actions
from ketacare.billing.models import ClaimStatus
from ketacare.billing.selectors.claims import access_claim_by_id, claims_for
from ketacare.lib.api import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK

router = Router()

Day = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2100, 12, 31))]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("1000000.00"), decimal_places=2)]


class ClaimsLineOut(Schema):
    line_number: int
    charge_id: int
    service_date: dt.date
    code: str
    modifiers: str
    units: Decimal
    amount: Decimal
    diagnosis_codes: list[str]


class ClaimsStatusChangeOut(Schema):
    status: str
    paid_amount: Decimal | None
    note: str
    changed_at: dt.datetime


class ClaimsClaimOut(Schema):
    id: int
    number: str
    patient_id: int
    coverage_id: int
    payer: str
    status: str
    total: Decimal
    currency: str
    place_of_service: str
    diagnosis_codes: list[str]
    rendering_provider_id: int | None
    prior_authorization_id: int | None
    primary_claim_id: int | None
    frequency_code: str  # 837P CLM05-3: 1 original, 7 replacement, 8 void
    replaces_id: int | None
    replaced_by_id: int | None
    payer_claim_number: str
    created_at: dt.datetime
    exported_at: dt.datetime | None
    lines: list[ClaimsLineOut]
    status_changes: list[ClaimsStatusChangeOut]


class ClaimsDatesIn(Schema):
    date_from: Day | None = None
    date_to: Day | None = None


class ClaimsStatusIn(Schema):
    status: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=10)]
    paid_amount: Amount | None = None
    note: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=300)] = ""


class ClaimsPayerNumberIn(Schema):
    payer_claim_number: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=50)]


class ClaimsCorrectionIn(Schema):
    # Blank: the number recorded on the claim before.
    payer_claim_number: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=50)] = ""


class ClaimsWithdrawIn(Schema):
    reason: Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=300)]


class ClaimsExportOut(Schema):
    control_number: int
    claims: list[str]
    content: str  # the X12 837P interchange


def claim_out(claim) -> dict:
    return {
        **{name: getattr(claim, name) for name in ClaimsClaimOut.model_fields if hasattr(claim, name)},
        "payer": claim.coverage.payer.name,
        "replaced_by_id": replaced_by.pk if (replaced_by := claim.replaced_by) else None,
        "lines": [
            {
                "line_number": line.line_number,
                "charge_id": line.charge_id,
                **{
                    name: getattr(line.charge, name)
                    for name in ("service_date", "code", "modifiers", "units", "amount")
                },
                "diagnosis_codes": line.charge.diagnosis_codes,
            }
            for line in claim.lines.select_related("charge").order_by("line_number")
        ],
        "status_changes": list(claim.status_changes.all()),
    }


@router.get("/claims", response={200: list[ClaimsClaimOut], **LIST_ERRORS})
def list_claims(request, status: str = ""):
    """The organisation's claims (billing, clinic admin), newest first; `status` narrows them."""
    return [
        claim_out(claim)
        for claim in claims_for(request.auth, status=status if status in ClaimStatus.values else "")[:200]
    ]


@router.post("/claims/build", response={201: list[ClaimsClaimOut], **WRITE_ERRORS})
def build_claims(request, payload: ClaimsDatesIn):
    """Draft claims from the final charges of insured patients not yet claimed (services in the dates)."""
    return 201, [claim_out(claim) for claim in actions.do_build_claims(request.auth, **payload.dict())]


@router.post("/claims/{claim_id}/status", response={200: ClaimsClaimOut, **WRITE_ERRORS})
def change_claim_status(request, payload: ClaimsStatusIn, claim_id: int = PathId):
    """draft → ready → sent → paid (with `paid_amount`) or denied (with a `note`); denied → ready again."""
    return claim_out(actions.do_change_claim_status(request.auth, claim_id, **payload.dict()))


@router.post("/claims/{claim_id}/payer-claim-number", response={200: ClaimsClaimOut, **WRITE_ERRORS})
def record_payer_claim_number(request, payload: ClaimsPayerNumberIn, claim_id: int = PathId):
    """The payer's claim control number from its response to a sent, paid or denied claim."""
    return claim_out(actions.do_record_payer_claim_number(request.auth, claim_id, **payload.dict()))


@router.post("/claims/{claim_id}/correct", response={201: ClaimsClaimOut, **WRITE_ERRORS})
def correct_claim(request, payload: ClaimsCorrectionIn, claim_id: int = PathId):
    """A replacement claim (frequency 7, REF*F8) from the charges as they are now; the original is replaced."""
    return 201, claim_out(actions.do_correct_claim(request.auth, claim_id, **payload.dict()))


@router.post("/claims/{claim_id}/void", response={201: ClaimsClaimOut, **WRITE_ERRORS})
def void_claim(request, payload: ClaimsCorrectionIn, claim_id: int = PathId):
    """A void claim (frequency 8, REF*F8) with the original's lines; the original is voided."""
    return 201, claim_out(actions.do_void_claim(request.auth, claim_id, **payload.dict()))


@router.post("/claims/{claim_id}/withdraw", response={200: ClaimsClaimOut, **WRITE_ERRORS})
def withdraw_claim(request, payload: ClaimsWithdrawIn, claim_id: int = PathId):
    """A draft or ready claim the payer never received, withdrawn with a reason: its charges may go on another
    claim; a withdrawn correction gives the claim it replaced or voided back its earlier status."""
    return claim_out(actions.do_withdraw_claim(request.auth, claim_id, **payload.dict()))


@router.post("/claims/{claim_id}/secondary", response={201: ClaimsClaimOut, **WRITE_ERRORS})
def build_secondary_claim(request, claim_id: int = PathId):
    """The savings-program claim after the primary payer's decision."""
    return 201, claim_out(actions.do_build_secondary_claim(request.auth, claim_id))


@router.post("/claims/export-837p", response={201: ClaimsExportOut, **WRITE_ERRORS})
def export_837p(request, payload: ClaimsDatesIn):
    """The X12 837P file of the ready claims in the dates; they become sent."""
    export = actions.do_export_837p(request.auth, **payload.dict())
    return 201, {
        "control_number": export.control_number,
        "claims": [claim.number for claim in export.claims.order_by("number")],
        "content": export.content,
    }


# After the fixed paths above: /claims/{claim_id} would otherwise take /claims/build.
@router.get("/claims/{claim_id}", response={200: ClaimsClaimOut, **READ_ERRORS})
def get_claim(request, claim_id: int = PathId):
    return claim_out(access_claim_by_id(request.auth, claim_id))
