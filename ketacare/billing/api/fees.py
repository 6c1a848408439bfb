"""The fee schedule under /api/v1/billing/fees/: items, charge rules, the billing identity, providers' NPIs.
The same actions and selectors as the pages (BILLING_VIEW reads, BILLING_SETUP writes)."""

from decimal import Decimal
from typing import Annotated

from ninja import Router, Schema
from pydantic import StringConstraints

from ketacare.billing.actions import fees as actions
from ketacare.billing.models import BillingSettings, ChargeRule, FeeScheduleItem
from ketacare.billing.selectors import fees as selectors
from ketacare.lib.api import LIST_ERRORS, WRITE_ERRORS, PathId
from ketacare.lib.ids import DbId
from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK

router = Router()

FeeText = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=200)]
FeeRequiredText = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=200)]
# A price as a JSON string ("350.00", never a float); the action checks cents and range.
FeePrice = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=20)]


class FeeItemOut(Schema):
    id: int
    code_system: str
    code: str
    modifiers: str
    description: str
    self_pay_price: Decimal
    currency: str
    units_rule: str
    location_id: int | None
    is_active: bool


class FeeItemIn(Schema):
    code_system: FeeRequiredText
    code: FeeRequiredText
    modifiers: FeeText = ""
    description: FeeRequiredText
    self_pay_price: FeePrice
    units_rule: FeeRequiredText = "per_service"
    location_id: DbId | None = None


class FeeItemPatch(Schema):
    code: FeeRequiredText | None = None
    modifiers: FeeText | None = None
    description: FeeRequiredText | None = None
    self_pay_price: FeePrice | None = None
    units_rule: FeeRequiredText | None = None


class FeeChargeRuleOut(Schema):
    id: int
    trigger: str
    payer_scope: str
    fee_item_id: int
    code: str
    position: int
    is_active: bool


class FeeChargeRuleIn(Schema):
    trigger: FeeRequiredText
    payer_scope: FeeRequiredText = "any"
    fee_item_id: DbId
    position: int = 0


class FeeBillingSettingsOut(Schema):
    currency: str
    billing_name: str
    billing_npi: str
    tax_id: str
    taxonomy_code: str
    address_line: str
    city: str
    region: str
    postal_code: str
    phone: str
    place_of_service: str
    submitter_id: str
    receiver_id: str
    receiver_name: str
    statement_message: str
    invoice_due_days: int


class FeeBillingSettingsPatch(Schema):
    currency: FeeText | None = None
    billing_name: FeeText | None = None
    billing_npi: FeeText | None = None
    tax_id: FeeText | None = None
    taxonomy_code: FeeText | None = None
    address_line: FeeText | None = None
    city: FeeText | None = None
    region: FeeText | None = None
    postal_code: FeeText | None = None
    phone: FeeText | None = None
    place_of_service: FeeText | None = None
    submitter_id: FeeText | None = None
    receiver_id: FeeText | None = None
    receiver_name: FeeText | None = None
    statement_message: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=2000)] | None = None
    invoice_due_days: int | None = None


class FeeProviderOut(Schema):
    user_id: int
    name: str
    role: str
    npi: str
    taxonomy_code: str


class FeeProviderIn(Schema):
    npi: FeeRequiredText
    taxonomy_code: FeeText = ""


def fee_item_out(item: FeeScheduleItem) -> dict:
    return {name: getattr(item, name) for name in FeeItemOut.model_fields}


def charge_rule_out(rule: ChargeRule) -> dict:
    return {
        "id": rule.pk,
        "trigger": rule.trigger,
        "payer_scope": rule.payer_scope,
        "fee_item_id": rule.fee_item_id,
        "code": rule.fee_item.code,
        "position": rule.position,
        "is_active": rule.is_active,
    }


def settings_out(row: BillingSettings) -> dict:
    return {name: getattr(row, name) for name in FeeBillingSettingsOut.model_fields}


def provider_out(person) -> dict:
    identity = selectors.provider_identity_of(person)
    return {
        "user_id": person.pk,
        "name": person.get_full_name(),
        "role": person.role,
        "npi": identity.npi if identity else "",
        "taxonomy_code": identity.taxonomy_code if identity else "",
    }


@router.get("/fees/items", response={200: list[FeeItemOut], **LIST_ERRORS})
def list_fee_items(request, include_retired: bool = False):
    """The fee schedule (retired items with `include_retired`)."""
    return [fee_item_out(item) for item in selectors.fee_items_for(request.auth, include_inactive=include_retired)]


@router.post("/fees/items", response={201: FeeItemOut, **WRITE_ERRORS})
def create_fee_item(request, payload: FeeItemIn):
    """Add a service at the clinic's self-pay price (`location_id` for a site's own price)."""
    return 201, fee_item_out(actions.do_create_fee_item(request.auth, **payload.dict()))


@router.patch("/fees/items/{item_id}", response={200: FeeItemOut, **WRITE_ERRORS})
def update_fee_item(request, payload: FeeItemPatch, item_id: int = PathId):
    """Change an item; charges already made keep their price."""
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    return fee_item_out(actions.do_update_fee_item(request.auth, item_id, **changes))


@router.post("/fees/items/{item_id}/retire", response={200: FeeItemOut, **WRITE_ERRORS})
def retire_fee_item(request, item_id: int = PathId):
    return fee_item_out(actions.do_retire_fee_item(request.auth, item_id))


@router.get("/fees/rules", response={200: list[FeeChargeRuleOut], **LIST_ERRORS})
def list_charge_rules(request):
    """The active charge rules: which signed records create which charges, for which patients."""
    return [charge_rule_out(rule) for rule in selectors.charge_rules_for(request.auth)]


@router.post("/fees/rules", response={201: FeeChargeRuleOut, **WRITE_ERRORS})
def create_charge_rule(request, payload: FeeChargeRuleIn):
    return 201, charge_rule_out(actions.do_create_charge_rule(request.auth, **payload.dict()))


@router.post("/fees/rules/{rule_id}/retire", response={200: FeeChargeRuleOut, **WRITE_ERRORS})
def retire_charge_rule(request, rule_id: int = PathId):
    return charge_rule_out(actions.do_retire_charge_rule(request.auth, rule_id))


@router.get("/fees/settings", response={200: FeeBillingSettingsOut, **LIST_ERRORS})
def get_billing_settings(request):
    """The billing provider as claims, superbills and statements print it."""
    return settings_out(selectors.access_billing_settings(request.auth))


@router.patch("/fees/settings", response={200: FeeBillingSettingsOut, **WRITE_ERRORS})
def update_billing_settings(request, payload: FeeBillingSettingsPatch):
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    return settings_out(actions.do_update_billing_settings(request.auth, **changes))


@router.get("/fees/providers", response={200: list[FeeProviderOut], **LIST_ERRORS})
def list_providers(request):
    """Prescribers and therapists with their NPI and taxonomy."""
    return [provider_out(person) for person in selectors.rendering_providers_for(request.auth)]


@router.put("/fees/providers/{user_id}", response={200: FeeProviderOut, **WRITE_ERRORS})
def set_provider_identity(request, payload: FeeProviderIn, user_id: int = PathId):
    identity = actions.do_set_provider_identity(request.auth, user_id, **payload.dict())
    return provider_out(identity.user)
