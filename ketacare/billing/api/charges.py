"""Charges under /api/v1/billing/charges/: the worklist, one charge, corrections of a draft, finalise (one or
several), void, manual charges. The same actions and selectors as the pages (BILLING_VIEW reads, CHARGES_EDIT
writes)."""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Query, Router, Schema
from pydantic import StringConstraints

from ketacare.billing.actions import charges as actions
from ketacare.billing.models import Charge
from ketacare.billing.selectors.charges import ChargeFilters, access_charge_by_id, charge_worklist
from ketacare.lib.api import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.lib.ids import DbId
from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK

router = Router()

ChargeText = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=200)]
ChargeRequiredText = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=300)]
# Units and prices as JSON strings ("56", "12.00"; never a float); the action checks range and precision.
ChargeNumber = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=20)]
ChargeDay = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]
ChargeDiagnosis = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=8)]


class ChargeOut(Schema):
    id: int
    patient_id: int
    location_id: int
    service_date: dt.date
    code_system: str
    code: str
    modifiers: str
    description: str
    units: Decimal
    unit_price: Decimal
    amount: Decimal
    currency: str
    diagnosis_codes: list[str]
    place_of_service: str
    rendering_provider_id: int | None
    trigger: str
    treatment_session_id: int | None
    consultation_note_id: int | None
    progress_note_id: int | None
    prior_authorization_id: int | None
    status: str
    created_at: dt.datetime
    finalised_at: dt.datetime | None


class ChargeFilterQuery(Schema):
    status: Annotated[str, StringConstraints(pattern=r"^(draft|final|voided)?$")] = "draft"
    location_id: DbId | None = None
    patient_id: DbId | None = None
    date_from: ChargeDay | None = None
    date_to: ChargeDay | None = None


class ChargePatch(Schema):
    code: ChargeText | None = None
    modifiers: ChargeText | None = None
    description: ChargeText | None = None
    units: ChargeNumber | None = None
    unit_price: ChargeNumber | None = None
    diagnosis_codes: list[ChargeDiagnosis] | None = Field(None, max_length=4)
    place_of_service: ChargeText | None = None
    rendering_provider_id: DbId | None = None
    service_date: ChargeDay | None = None


class ChargeFinaliseIn(Schema):
    charge_ids: list[DbId] = Field(..., min_length=1, max_length=500)


class ChargeVoidIn(Schema):
    reason: ChargeRequiredText


class ChargeManualIn(Schema):
    patient_id: DbId
    fee_item_id: DbId
    location_id: DbId
    service_date: ChargeDay
    units: ChargeNumber = "1"
    rendering_provider_id: DbId | None = None
    diagnosis_codes: list[ChargeDiagnosis] | None = Field(None, max_length=4)


def charge_out(charge: Charge) -> dict:
    return {name: getattr(charge, name) for name in ChargeOut.model_fields}


@router.get("/charges", response={200: list[ChargeOut], **LIST_ERRORS, 422: READ_ERRORS[422]})
def list_charges(request, filters: Query[ChargeFilterQuery]):
    """Charges to review: drafts by default (`status=` for all), oldest date of service first."""
    rows = charge_worklist(request.auth, ChargeFilters(**filters.dict()))
    return [charge_out(charge) for charge in rows]


@router.post("/charges/finalise", response={200: list[ChargeOut], **WRITE_ERRORS})
def finalise_charges(request, payload: ChargeFinaliseIn):
    """Finalise several drafts at once: all or none."""
    return [charge_out(charge) for charge in actions.do_finalise_charges(request.auth, payload.charge_ids)]


@router.get("/charges/{charge_id}", response={200: ChargeOut, **READ_ERRORS})
def get_charge(request, charge_id: int = PathId):
    return charge_out(access_charge_by_id(request.auth, charge_id))


@router.patch("/charges/{charge_id}", response={200: ChargeOut, **WRITE_ERRORS})
def update_charge(request, payload: ChargePatch, charge_id: int = PathId):
    """Correct a draft (the amount follows units × price); a final or voided charge: 422."""
    changes = payload.dict(exclude_unset=True)
    return charge_out(actions.do_update_charge(request.auth, charge_id, **changes))


@router.post("/charges", response={201: ChargeOut, **WRITE_ERRORS})
def add_manual_charge(request, payload: ChargeManualIn):
    """A draft charge no signed record made, priced from the fee schedule."""
    data = payload.dict()
    charge = actions.do_add_manual_charge(request.auth, data.pop("patient_id"), **data)
    return 201, charge_out(charge)


@router.post("/charges/{charge_id}/finalise", response={200: ChargeOut, **WRITE_ERRORS})
def finalise_charge(request, charge_id: int = PathId):
    """Post a draft to the patient's account."""
    return charge_out(actions.do_finalise_charge(request.auth, charge_id))


@router.post("/charges/{charge_id}/void", response={200: ChargeOut, **WRITE_ERRORS})
def void_charge(request, payload: ChargeVoidIn, charge_id: int = PathId):
    """Void with a reason: a final charge's entries are reversed by new entries, a package credit given back."""
    return charge_out(actions.do_void_charge(request.auth, charge_id, payload.reason))
