"""Every write to the fee schedule, the charge rules, the billing identity and providers' NPIs (BILLING_SETUP).

A price change never touches charges already made: a charge copies its code, units and price.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.billing.actions.accounts import MAX_DUE_DAYS
from ketacare.billing.actions.money_input import clean_count
from ketacare.billing.domain import fees as rules
from ketacare.billing.domain.money import parse_amount
from ketacare.billing.models import (
    BillingSettings,
    ChargeRule,
    ChargeTrigger,
    CodeSystem,
    FeeScheduleItem,
    PayerScope,
    ProviderBillingIdentity,
    UnitsRule,
)
from ketacare.billing.selectors.fees import (
    access_charge_rule_by_id,
    access_fee_item_by_id,
    access_rendering_provider_by_id,
)
from ketacare.clinics.models import Location
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_text

MAX_PRICE = Decimal("9999999999.99")  # what MONEY (12 digits, 2 decimals) holds
FEE_ITEM_FIELDS = ("code_system", "code", "modifiers", "description", "self_pay_price", "units_rule", "location_id")
SETTINGS_TEXT_FIELDS = {
    "billing_name": 200,
    "address_line": 200,
    "city": 100,
    "phone": 20,
    "submitter_id": 15,
    "receiver_id": 15,
    "receiver_name": 60,
    "statement_message": 2000,
}
SETTINGS_CODE_FIELDS = (
    "currency",
    "billing_npi",
    "tax_id",
    "taxonomy_code",
    "region",
    "postal_code",
    "place_of_service",
)


def money_value(field: str, value: object) -> Decimal:
    """A price from a form, the API or a command: Decimal, whole number or text ("1,234.50"), ≥ 0, cents."""
    if isinstance(value, bool) or value is None:
        raise ValidationError({field: "Enter an amount."})
    if isinstance(value, (int, Decimal)):
        value = str(value)
    if not isinstance(value, str):
        raise ValidationError({field: "Enter an amount."})
    try:
        amount = parse_amount(value)
    except ValueError as exc:
        raise ValidationError({field: str(exc)}) from None
    if amount < 0:
        raise ValidationError({field: "An amount is not negative."})
    if amount > MAX_PRICE:
        raise ValidationError({field: "This amount is too large."})
    return amount


def _choice(field: str, value: object, choices) -> str:
    if value not in choices.values:
        raise ValidationError({field: "Choose one of the listed values."})
    return str(value)


def _location(actor, location_id) -> Location | None:
    if location_id in (None, ""):
        return None
    location = Location.objects.filter(pk=db_id_or_zero(location_id), organisation_id=actor.organisation_id).first()
    if location is None:
        raise ValidationError({"location_id": "Choose one of this clinic's locations."})
    return location


def _gather(errors: dict, values: dict, key: str, compute) -> None:
    """values[key] = compute(), or its field errors added to `errors` (so every problem shows at once)."""
    try:
        values[key] = compute()
    except ValidationError as exc:
        errors.update({name: messages[0] for name, messages in exc.message_dict.items()})


def _code(values: dict, text: object) -> str:
    code = clean_text("code", text, required=True, max_chars=10).upper()
    problem = rules.code_problem(values["code_system"], code) if "code_system" in values else None
    if problem:
        raise ValidationError({"code": problem})
    return code


def _modifiers(text: object) -> str:
    modifiers, problem = rules.normalise_modifiers(clean_text("modifiers", text, max_chars=20))
    if problem:
        raise ValidationError({"modifiers": problem})
    return modifiers


def _fee_item_values(actor, fields: dict) -> dict:
    """Checked values of a fee item; every problem named on its field at once."""
    errors: dict[str, str] = {}
    values: dict = {}
    _gather(errors, values, "code_system", lambda: _choice("code_system", fields.get("code_system"), CodeSystem))
    _gather(
        errors,
        values,
        "units_rule",
        lambda: _choice("units_rule", fields.get("units_rule", UnitsRule.PER_SERVICE), UnitsRule),
    )
    _gather(errors, values, "code", lambda: _code(values, fields.get("code")))
    _gather(errors, values, "modifiers", lambda: _modifiers(fields.get("modifiers")))
    _gather(
        errors,
        values,
        "description",
        lambda: clean_text("description", fields.get("description"), required=True, max_chars=200),
    )
    _gather(errors, values, "self_pay_price", lambda: money_value("self_pay_price", fields.get("self_pay_price")))
    _gather(errors, values, "location", lambda: _location(actor, fields.get("location_id")))
    if errors:
        raise ValidationError(errors)
    return values


def _duplicate_check(actor, values: dict, exclude_pk: int | None = None) -> None:
    same = FeeScheduleItem.objects.filter(
        organisation_id=actor.organisation_id,
        location=values["location"],
        code_system=values["code_system"],
        code=values["code"],
        modifiers=values["modifiers"],
        is_active=True,
    ).exclude(pk=exclude_pk)
    if same.exists():
        where = f" at {values['location'].name}" if values["location"] else ""
        raise ValidationError({"code": f"The fee schedule already has {values['code']} with these modifiers{where}."})


def _item_snapshot(item: FeeScheduleItem) -> dict:
    return {
        "code_system": item.code_system,
        "code": item.code,
        "modifiers": item.modifiers,
        "description": item.description,
        "self_pay_price": str(item.self_pay_price),
        "units_rule": item.units_rule,
        "location_id": item.location_id,
    }


@transaction.atomic
def do_create_fee_item(actor, **fields) -> FeeScheduleItem:
    """A billable service at the clinic's self-pay price (`location_id` for a site that prices differently)."""
    require_permission(actor, Permission.BILLING_SETUP)
    unknown = set(fields) - set(FEE_ITEM_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field is not part of a fee schedule item."))
    values = _fee_item_values(actor, fields)
    _duplicate_check(actor, values)
    currency = (
        BillingSettings.objects.filter(organisation_id=actor.organisation_id).values_list("currency", flat=True).first()
    )
    item = FeeScheduleItem.objects.create(
        organisation_id=actor.organisation_id, created_by=actor, currency=currency or "USD", **values
    )
    record_event(actor, AuditAction.CREATE, item, organisation=actor.organisation, detail=_item_snapshot(item))
    return item


@transaction.atomic
def do_update_fee_item(actor, item_id: int, **fields) -> FeeScheduleItem:
    """Change a fee item (charges already made keep their price); audited with before and after."""
    require_permission(actor, Permission.BILLING_SETUP)
    item = access_fee_item_by_id(actor, item_id)
    if not item.is_active:
        raise ValidationError({"code": "This item is retired; add a new one."})
    unknown = set(fields) - set(FEE_ITEM_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field is not part of a fee schedule item."))
    before = _item_snapshot(item)
    values = _fee_item_values(actor, {**before, **fields})
    _duplicate_check(actor, values, exclude_pk=item.pk)
    for name, value in values.items():
        setattr(item, name, value)
    item.save()
    after = _item_snapshot(item)
    changed = {name: {"before": before[name], "after": after[name]} for name in after if before[name] != after[name]}
    record_event(actor, AuditAction.UPDATE, item, organisation=actor.organisation, detail={"changes": changed})
    return item


@transaction.atomic
def do_retire_fee_item(actor, item_id: int) -> FeeScheduleItem:
    """Take an item off the schedule (its charges stay); its charge rules stop applying with it."""
    require_permission(actor, Permission.BILLING_SETUP)
    item = access_fee_item_by_id(actor, item_id)
    if not item.is_active:
        raise ValidationError({"code": "This item is already retired."})
    item.is_active = False
    item.save(update_fields=["is_active"])
    retired_rules = list(item.rules.filter(is_active=True).values_list("pk", flat=True))
    ChargeRule.objects.filter(pk__in=retired_rules).update(is_active=False)
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        item,
        organisation=actor.organisation,
        detail={"status": "retired", "rules_retired": retired_rules},
    )
    return item


@transaction.atomic
def do_create_charge_rule(actor, *, trigger, fee_item_id, payer_scope=PayerScope.ANY, position=0) -> ChargeRule:
    """`trigger` (a signed session of a kind, a consultation, a therapy note) for patients in `payer_scope`
    creates a charge for the fee item."""
    require_permission(actor, Permission.BILLING_SETUP)
    errors = {}
    if trigger not in ChargeTrigger.values:
        errors["trigger"] = "Choose one of the listed values."
    if payer_scope not in PayerScope.values:
        errors["payer_scope"] = "Choose one of the listed values."
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 100:
        errors["position"] = "A whole number from 0 to 100."
    item = FeeScheduleItem.objects.filter(
        pk=db_id_or_zero(fee_item_id), organisation_id=actor.organisation_id, is_active=True, location__isnull=True
    ).first()
    if item is None:
        errors["fee_item_id"] = "Choose an active item of the clinic-wide fee schedule."
    if errors:
        raise ValidationError(errors)
    if ChargeRule.objects.filter(
        organisation_id=actor.organisation_id, trigger=trigger, payer_scope=payer_scope, fee_item=item, is_active=True
    ).exists():
        raise ValidationError({"fee_item_id": "This rule exists already."})
    rule = ChargeRule.objects.create(
        organisation_id=actor.organisation_id,
        trigger=trigger,
        payer_scope=payer_scope,
        fee_item=item,
        position=position,
    )
    record_event(
        actor,
        AuditAction.CREATE,
        rule,
        organisation=actor.organisation,
        detail={"trigger": trigger, "payer_scope": payer_scope, "code": item.code, "position": position},
    )
    return rule


@transaction.atomic
def do_retire_charge_rule(actor, rule_id: int) -> ChargeRule:
    require_permission(actor, Permission.BILLING_SETUP)
    rule = access_charge_rule_by_id(actor, rule_id)
    if not rule.is_active:
        raise ValidationError({"rule": "This rule is already retired."})
    rule.is_active = False
    rule.save(update_fields=["is_active"])
    record_event(actor, AuditAction.STATUS_CHANGE, rule, organisation=actor.organisation, detail={"status": "retired"})
    return rule


def _settings_snapshot(row: BillingSettings) -> dict:
    names = (*SETTINGS_CODE_FIELDS, *SETTINGS_TEXT_FIELDS, "invoice_due_days")
    return {name: getattr(row, name) for name in names}


@transaction.atomic
def do_update_billing_settings(actor, **fields) -> BillingSettings:
    """The organisation as it appears on claims, superbills and statements; audited with before and after."""
    require_permission(actor, Permission.BILLING_SETUP)
    row, _ = BillingSettings.objects.select_for_update().get_or_create(organisation_id=actor.organisation_id)
    before = _settings_snapshot(row)
    unknown = set(fields) - set(SETTINGS_CODE_FIELDS) - set(SETTINGS_TEXT_FIELDS) - {"invoice_due_days"}
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field is not a billing setting."))
    due_days = fields.pop("invoice_due_days", None)
    if due_days is not None:
        row.invoice_due_days = clean_count("invoice_due_days", due_days, low=0, high=MAX_DUE_DAYS)
    values = {
        name: clean_text(name, value, max_chars=SETTINGS_TEXT_FIELDS.get(name, 20)) for name, value in fields.items()
    }
    checks = {
        "billing_npi": lambda v: v and rules.npi_problem(v),
        "tax_id": rules.tax_id_problem,
        "taxonomy_code": lambda v: rules.taxonomy_problem(v.upper()),
        "place_of_service": rules.place_of_service_problem,
        "currency": lambda v: None if len(v) == 3 and v.isalpha() else "A currency is a three-letter ISO 4217 code.",
        "region": lambda v: None if not v or (len(v) == 2 and v.isalpha()) else "A US state is two letters (e.g. OR).",
        "postal_code": lambda v: (
            None if not v or v.replace("-", "").isdigit() else "A ZIP code is digits (e.g. 97201)."
        ),
    }
    errors = {name: problem for name, value in values.items() if name in checks and (problem := checks[name](value))}
    if errors:
        raise ValidationError(errors)
    for name in ("currency", "taxonomy_code", "region"):
        if name in values:
            values[name] = values[name].upper()
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    after = _settings_snapshot(row)
    changed = {name: {"before": before[name], "after": after[name]} for name in after if before[name] != after[name]}
    record_event(actor, AuditAction.UPDATE, row, organisation=actor.organisation, detail={"changes": changed})
    return row


@transaction.atomic
def do_set_provider_identity(actor, user_id: int, *, npi: str, taxonomy_code: str = "") -> ProviderBillingIdentity:
    """A prescriber's or therapist's NPI (type 1) and taxonomy, printed as the rendering provider."""
    require_permission(actor, Permission.BILLING_SETUP)
    provider = access_rendering_provider_by_id(actor, user_id)
    npi = clean_text("npi", npi, required=True, max_chars=10)
    taxonomy_code = clean_text("taxonomy_code", taxonomy_code, max_chars=10).upper()
    errors = {}
    if problem := rules.npi_problem(npi):
        errors["npi"] = problem
    if problem := rules.taxonomy_problem(taxonomy_code):
        errors["taxonomy_code"] = problem
    if errors:
        raise ValidationError(errors)
    identity = ProviderBillingIdentity.objects.filter(user=provider).first()
    before = {"npi": identity.npi, "taxonomy_code": identity.taxonomy_code} if identity else None
    identity, _ = ProviderBillingIdentity.objects.update_or_create(
        user=provider, defaults={"npi": npi, "taxonomy_code": taxonomy_code}
    )
    record_event(
        actor,
        AuditAction.UPDATE,
        identity,
        organisation=actor.organisation,
        detail={"provider": provider.pk, "before": before, "after": {"npi": npi, "taxonomy_code": taxonomy_code}},
    )
    return identity
