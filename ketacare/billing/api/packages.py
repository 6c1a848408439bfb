"""Packages under /api/v1/billing/packages/: offers (billing set-up), a sale to a patient, the refund of unused
sessions. The same actions and selectors as the pages."""

from decimal import Decimal
from typing import Annotated

from ninja import Field, Router, Schema
from pydantic import StringConstraints

from ketacare.billing.actions import packages as actions
from ketacare.billing.api.accounts import AccountPackageOut, AccountReason, AccountReference, package_out
from ketacare.billing.models import PackageOffer, PaymentMethod, RefundPolicy
from ketacare.billing.selectors import accounts as selectors
from ketacare.lib.api import LIST_ERRORS, WRITE_ERRORS, PathId
from ketacare.lib.ids import DbId
from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK

router = Router()

PackageName = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=120)]
PackageCode = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=30)]
PackagePrice = Annotated[Decimal, Field(ge=0, le=Decimal("1000000.00"), decimal_places=2, allow_inf_nan=False)]


class PackageOfferOut(Schema):
    id: int
    name: str
    description: str
    covers_trigger: str
    sessions_included: int
    price: Decimal
    currency: str
    validity_days: int
    refund_policy: str
    is_active: bool


class PackageOfferIn(Schema):
    name: PackageName
    covers_trigger: PackageCode
    sessions_included: int = Field(ge=1, le=actions.MAX_SESSIONS)
    price: PackagePrice
    validity_days: int = Field(90, ge=1, le=actions.MAX_VALIDITY_DAYS)
    refund_policy: PackageCode = RefundPolicy.UNUSED_SESSIONS_PRORATED.value
    description: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=2000)] = ""


class PackageSaleIn(Schema):
    offer_id: DbId


class PackageRefundIn(Schema):
    reason: AccountReason
    method: PackageCode = PaymentMethod.CARD_TERMINAL.value
    reference: AccountReference = ""


class PackageRefundOut(Schema):
    sale_id: int
    sessions: int
    value: Decimal
    refunded: Decimal


def offer_out(offer: PackageOffer) -> dict:
    return {
        field: getattr(offer, field)
        for field in (
            "name",
            "description",
            "covers_trigger",
            "sessions_included",
            "price",
            "currency",
            "validity_days",
            "refund_policy",
            "is_active",
        )
    } | {"id": offer.pk}


@router.get("/packages/offers", response={200: list[PackageOfferOut], **LIST_ERRORS})
def list_package_offers(request, include_retired: bool = False):
    return [offer_out(offer) for offer in selectors.package_offers_for(request.auth, include_inactive=include_retired)]


@router.post("/packages/offers", response={201: PackageOfferOut, **WRITE_ERRORS})
def create_package_offer(request, payload: PackageOfferIn):
    """A package the clinic sells (billing set-up): covers_trigger is a charge trigger such as session_iv."""
    return 201, offer_out(actions.do_create_package_offer(request.auth, **payload.dict()))


@router.post("/packages/offers/{offer_id}/retire", response={200: PackageOfferOut, **WRITE_ERRORS})
def retire_package_offer(request, offer_id: int = PathId):
    return offer_out(actions.do_retire_package_offer(request.auth, offer_id))


@router.post("/packages/patients/{patient_id}/sales", response={201: AccountPackageOut, **WRITE_ERRORS})
def sell_package(request, payload: PackageSaleIn, patient_id: int = PathId):
    """Sell an offer to the patient; its price is posted to the account."""
    sale = actions.do_sell_package(request.auth, patient_id, offer_id=payload.offer_id)
    balance = next(package for package in selectors.package_balances(sale.patient) if package.sale.pk == sale.pk)
    return 201, package_out(balance)


@router.post("/packages/sales/{sale_id}/refund-unused", response={200: PackageRefundOut, **WRITE_ERRORS})
def refund_unused_sessions(request, payload: PackageRefundIn, sale_id: int = PathId):
    """Close the package by its refund policy: unused sessions at its price per session."""
    refund = actions.do_refund_unused_sessions(request.auth, sale_id, **payload.dict())
    return {
        "sale_id": refund.sale.pk,
        "sessions": refund.sessions,
        "value": refund.value,
        "refunded": refund.refund.amount if refund.refund else Decimal("0.00"),
    }
