"""Insurance endpoints under /api/v1/billing/insurance/: the same actions and selectors as the pages."""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema
from pydantic import StringConstraints

from ketacare.billing.actions import insurance as actions
from ketacare.billing.models import AuthorizationStatus, CoveragePriority, SubscriberRelationship
from ketacare.billing.selectors.insurance import (
    access_insurance_file,
    access_payer_by_id,
    access_session_for_acquisition,
    authorizations_to_watch,
    esketamine_authorization_problems,
    may_record_acquisition,
    payers_for,
    session_acquisition,
)
from ketacare.lib.api import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.lib.ids import DbId
from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK

router = Router()

Text = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=200)]
Required = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=120)]
Notes = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=5000)]
Day = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2100, 12, 31))]
# Amounts as JSON strings or numbers in whole cents ("20.00"); the action refuses anything else.
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("1000000.00"), decimal_places=2)]
# Choices travel as their codes (the models' TextChoices values); the action names the field when one is unknown.
Code = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=30)]
Count = Annotated[int, Field(ge=1, le=actions.COUNT_MAX)]


class InsurancePayerIn(Schema):
    name: Required
    kind: Code
    payer_id: Text = ""
    address_line: Text = ""
    city: Text = ""
    region: Text = ""
    postal_code: Text = ""
    is_active: bool = True


class InsurancePayerChangeIn(Schema):
    name: Required | None = None
    kind: Code | None = None
    payer_id: Text | None = None
    address_line: Text | None = None
    city: Text | None = None
    region: Text | None = None
    postal_code: Text | None = None
    is_active: bool | None = None


class InsurancePayerOut(Schema):
    id: int
    name: str
    kind: str
    payer_id: str
    address_line: str
    city: str
    region: str
    postal_code: str
    is_active: bool


class InsuranceCoverageIn(Schema):
    payer_id: DbId
    member_id: Required
    group_number: Text = ""
    priority: Code = CoveragePriority.PRIMARY.value
    relationship: Code = SubscriberRelationship.SELF.value
    subscriber_first_name: Text = ""
    subscriber_last_name: Text = ""
    subscriber_date_of_birth: Day | None = None
    start_date: Day | None = None
    end_date: Day | None = None


class InsuranceCoverageEndIn(Schema):
    end_date: Day


class InsuranceCoverageOut(Schema):
    id: int
    patient_id: int
    payer_id: int
    payer_name: str = Field(..., alias="payer.name")
    member_id: str
    group_number: str
    priority: str
    relationship: str
    subscriber_first_name: str
    subscriber_last_name: str
    subscriber_date_of_birth: dt.date | None
    start_date: dt.date | None
    end_date: dt.date | None
    is_active: bool


class InsuranceBenefitsIn(Schema):
    result: Code
    copay: Amount | None = None
    coinsurance_percent: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] | None = None
    deductible: Amount | None = None
    deductible_met: Amount | None = None
    reference: Text = ""
    notes: Notes = ""


class InsuranceBenefitsOut(Schema):
    id: int
    coverage_id: int
    investigated_at: dt.datetime
    investigated_by_id: int
    result: str
    copay: Decimal | None
    coinsurance_percent: Decimal | None
    deductible: Decimal | None
    deductible_met: Decimal | None
    currency: str
    reference: str
    notes: str


class InsuranceAuthorizationIn(Schema):
    status: Code = AuthorizationStatus.PENDING.value
    number: Text = ""
    service_code: Text = ""
    approved_sessions: Count | None = None
    approved_units: Count | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    notes: Notes = ""


class InsuranceAuthorizationChangeIn(Schema):
    status: Code | None = None
    number: Text | None = None
    service_code: Text | None = None
    approved_sessions: Count | None = None
    approved_units: Count | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    notes: Notes | None = None


class InsuranceUsageOut(Schema):
    sessions_used: int
    units_used: int
    sessions_left: int | None
    units_left: int | None
    days_to_expiry: int | None
    warnings: list[str]


class InsuranceAuthorizationOut(Schema):
    id: int
    patient_id: int
    coverage_id: int
    number: str
    status: str
    service_code: str
    approved_sessions: int | None
    approved_units: int | None
    start_date: dt.date | None
    end_date: dt.date | None
    requested_at: dt.datetime
    notes: str
    usage: InsuranceUsageOut | None = None


class InsuranceFileOut(Schema):
    patient_id: int
    today: dt.date
    primary_coverage_id: int | None
    active_authorization_id: int | None
    coverages: list[InsuranceCoverageOut]
    benefits_investigations: list[InsuranceBenefitsOut]
    prior_authorizations: list[InsuranceAuthorizationOut]


class InsuranceAcquisitionIn(Schema):
    mode: Code
    shipment_receipt_id: DbId | None = None


class InsuranceAcquisitionOut(Schema):
    mode: str
    shipment_receipt_id: int | None
    recorded_at: dt.datetime
    recorded_by_id: int


class InsuranceSessionOut(Schema):
    session_id: int
    is_esketamine: bool
    acquisition: InsuranceAcquisitionOut | None
    # The check-in notice: the esketamine prior authorisation missing, used up, expired or running out.
    authorization_warnings: list[str]


def _usage_out(usage) -> dict:
    return {
        "sessions_used": usage.sessions_used,
        "units_used": usage.units_used,
        "sessions_left": usage.sessions_left,
        "units_left": usage.units_left,
        "days_to_expiry": usage.days_to_expiry,
        "warnings": usage.warnings,
    }


def _authorization_out(authorization, usage=None) -> dict:
    fields = {name: getattr(authorization, name) for name in InsuranceAuthorizationOut.model_fields if name != "usage"}
    return {**fields, "usage": _usage_out(usage) if usage is not None else None}


# ---------------------------------------------------------------- payers


@router.get("/insurance/payers", response={200: list[InsurancePayerOut], **LIST_ERRORS})
def list_payers(request):
    return payers_for(request.auth)


@router.post("/insurance/payers", response={201: InsurancePayerOut, **WRITE_ERRORS})
def create_payer(request, payload: InsurancePayerIn):
    """A payer of the clinic (billing set-up: billing staff, clinic admins)."""
    return 201, actions.do_create_payer(request.auth, **payload.dict())


@router.patch("/insurance/payers/{payer_id}", response={200: InsurancePayerOut, **WRITE_ERRORS})
def change_payer(request, payload: InsurancePayerChangeIn, payer_id: int = PathId):
    access_payer_by_id(request.auth, payer_id)
    changes = {name: value for name, value in payload.dict(exclude_unset=True).items() if value is not None}
    return actions.do_update_payer(request.auth, payer_id, **changes)


# ---------------------------------------------------------------- a patient's insurance


@router.get("/insurance/patients/{patient_id}", response={200: InsuranceFileOut, **READ_ERRORS})
def patient_insurance(request, patient_id: int = PathId):
    """Coverage, benefits investigations and prior authorisations (with visits used and warnings)."""
    file = access_insurance_file(request.auth, patient_id)
    return {
        "patient_id": file.patient.pk,
        "today": file.today,
        "primary_coverage_id": file.primary.pk if file.primary else None,
        "active_authorization_id": file.active_authorization.pk if file.active_authorization else None,
        "coverages": file.coverages,
        "benefits_investigations": file.investigations,
        "prior_authorizations": [_authorization_out(line.authorization, line.usage) for line in file.authorizations],
    }


@router.post("/insurance/patients/{patient_id}/coverages", response={201: InsuranceCoverageOut, **WRITE_ERRORS})
def add_coverage(request, payload: InsuranceCoverageIn, patient_id: int = PathId):
    return 201, actions.do_add_coverage(request.auth, patient_id=patient_id, **payload.dict())


@router.post("/insurance/coverages/{coverage_id}/end", response={200: InsuranceCoverageOut, **WRITE_ERRORS})
def end_coverage(request, payload: InsuranceCoverageEndIn, coverage_id: int = PathId):
    return actions.do_end_coverage(request.auth, coverage_id, end_date=payload.end_date)


@router.post(
    "/insurance/coverages/{coverage_id}/benefits-investigations",
    response={201: InsuranceBenefitsOut, **WRITE_ERRORS},
)
def record_benefits_investigation(request, payload: InsuranceBenefitsIn, coverage_id: int = PathId):
    return 201, actions.do_record_benefits_investigation(request.auth, coverage_id=coverage_id, **payload.dict())


@router.post(
    "/insurance/coverages/{coverage_id}/prior-authorizations",
    response={201: InsuranceAuthorizationOut, **WRITE_ERRORS},
)
def record_prior_authorization(request, payload: InsuranceAuthorizationIn, coverage_id: int = PathId):
    authorization = actions.do_record_prior_authorization(request.auth, coverage_id=coverage_id, **payload.dict())
    return 201, _authorization_out(authorization)


# Before /prior-authorizations/{authorization_id}: ninja matches paths in the order they are declared.
@router.get("/insurance/prior-authorizations/watch", response={200: list[InsuranceAuthorizationOut], **LIST_ERRORS})
def watched_authorizations(request):
    """Approved authorisations running out, used up, expiring or recently expired."""
    return [_authorization_out(row.authorization, row.usage) for row in authorizations_to_watch(request.auth)]


@router.patch(
    "/insurance/prior-authorizations/{authorization_id}",
    response={200: InsuranceAuthorizationOut, **WRITE_ERRORS},
)
def change_prior_authorization(request, payload: InsuranceAuthorizationChangeIn, authorization_id: int = PathId):
    """The payer's answer or a correction; fields left out stay (send null to clear a count or date)."""
    changes = payload.dict(exclude_unset=True)
    if changes.get("status") is None:
        changes.pop("status", None)
    return _authorization_out(actions.do_update_prior_authorization(request.auth, authorization_id, **changes))


# ---------------------------------------------------------------- a session


def _session_out(session) -> dict:
    return {
        "session_id": session.pk,
        "is_esketamine": session.is_esketamine,
        "acquisition": session_acquisition(session),
        "authorization_warnings": esketamine_authorization_problems(session),
    }


@router.get("/insurance/sessions/{session_id}", response={200: InsuranceSessionOut, **READ_ERRORS})
def session_insurance(request, session_id: int = PathId):
    """The session's acquisition mode and its check-in notice about the prior authorisation."""
    return _session_out(access_session_for_acquisition(request.auth, session_id))


@router.put("/insurance/sessions/{session_id}/acquisition", response={200: InsuranceSessionOut, **WRITE_ERRORS})
def record_acquisition(request, payload: InsuranceAcquisitionIn, session_id: int = PathId):
    """Buy and bill, or specialty pharmacy with the ledger receipt of this patient's shipment (nurses, billing)."""
    session = access_session_for_acquisition(request.auth, session_id)
    if not may_record_acquisition(request.auth):
        raise PermissionDenied("Your role may not record how esketamine was acquired.")
    actions.do_record_session_acquisition(request.auth, session_id=session.pk, **payload.dict())
    return _session_out(session)
