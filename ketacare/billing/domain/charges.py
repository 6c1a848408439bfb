"""Which charges a signed record creates, how many units each, and for how much (pure; no Django).

Sources (docs/billing.md, "Facts"; ANCHORS.md part 2 [O12][K9][K10]):
- J0013, esketamine nasal spray, is billed per 1 mg from 2026-01-01 (it replaced S0013): units = mg charted.
- G2082 / G2083 (established Medicare patients, bundled visit with esketamine self-administration and
  2 hours' observation): G2082 for up to 56 mg, G2083 for more than 56 mg. The clinic's rules name both
  for Medicare patients; the dose keeps the one whose band holds the charted mg.
- 96365 is the first hour of an IV infusion; +96366 each additional hour, a unit for every full hour beyond
  the first and one more for a remaining interval of more than 30 minutes (CPT time rule as published by
  AAPC and CMS contractors: a 75-minute infusion is 96365 only, 91–150 minutes adds one 96366).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ketacare.billing.domain.money import to_cents

# Units rules (billing.models.UnitsRule values; repeated here so the domain stays free of Django).
PER_SERVICE = "per_service"
PER_MG = "per_mg"
PER_ADDITIONAL_HOUR = "per_additional_hour"

# Payer scopes (billing.models.PayerScope values).
ANY = "any"
SELF_PAY = "self_pay"
INSURED = "insured"
MEDICARE = "medicare"
NOT_MEDICARE = "not_medicare"
MEDICARE_KIND = "medicare"  # billing.models.PayerKind.MEDICARE

# G2082: up to and including 56 mg; G2083: more than 56 mg (HCPCS descriptors, ANCHORS.md part 2 [K9]).
ESKETAMINE_BAND_LIMIT_MG = Decimal("56")
FIRST_HOUR_MINUTES = 60
# An additional-hour unit needs more than 30 minutes beyond the last full hour (CPT time rule, see above).
ADDITIONAL_HOUR_MIN_TAIL_MINUTES = 30


class ChargeRuleError(ValueError):
    """A rule that cannot be applied to the record (e.g. per-mg units with no dose charted)."""


def payer_scope_matches(scope: str, primary_payer_kind: str | None) -> bool:
    """Whether a rule's payer scope covers a patient whose primary payer is of `primary_payer_kind`
    (None: self-pay). "Not Medicare" includes self-pay patients."""
    if scope == ANY:
        return True
    if scope == SELF_PAY:
        return primary_payer_kind is None
    if scope == INSURED:
        return primary_payer_kind is not None
    if scope == MEDICARE:
        return primary_payer_kind == MEDICARE_KIND
    if scope == NOT_MEDICARE:
        return primary_payer_kind != MEDICARE_KIND
    raise ChargeRuleError(f"unknown payer scope {scope!r}")


def dose_band_allows(code: str, dose_mg: Decimal | None) -> bool:
    """G2082 only for ≤ 56 mg and G2083 only for > 56 mg; every other code has no dose band."""
    code = code.strip().upper()
    if code not in ("G2082", "G2083"):
        return True
    if dose_mg is None:
        return False
    return dose_mg <= ESKETAMINE_BAND_LIMIT_MG if code == "G2082" else dose_mg > ESKETAMINE_BAND_LIMIT_MG


def additional_infusion_hours(infusion_minutes: Decimal | int) -> int:
    """96366 units for an infusion of `infusion_minutes`: full hours beyond the first, plus one for a
    remaining interval of more than 30 minutes. 75 → 0, 90 → 0, 91 → 1, 150 → 1, 151 → 2."""
    beyond_first_hour = Decimal(infusion_minutes) - FIRST_HOUR_MINUTES
    if beyond_first_hour <= 0:
        return 0
    full_hours, tail = divmod(beyond_first_hour, 60)
    return int(full_hours) + (1 if tail > ADDITIONAL_HOUR_MIN_TAIL_MINUTES else 0)


def units_for(units_rule: str, *, dose_mg: Decimal | None, infusion_minutes: Decimal | int | None) -> Decimal:
    """How many units a rule bills for the record; 0 means no charge (e.g. no additional hour)."""
    if units_rule == PER_SERVICE:
        return Decimal(1)
    if units_rule == PER_MG:
        if dose_mg is None or dose_mg <= 0:
            return Decimal(0)
        # A unit is 1 mg; esketamine is charted in whole devices (28 mg), so this is a whole number.
        return Decimal(dose_mg)
    if units_rule == PER_ADDITIONAL_HOUR:
        if infusion_minutes is None:
            return Decimal(0)
        return Decimal(additional_infusion_hours(infusion_minutes))
    raise ChargeRuleError(f"unknown units rule {units_rule!r}")


def charge_amount(units: Decimal, unit_price: Decimal) -> Decimal:
    """units × unit price, rounded to the cent half-up (never floats)."""
    return to_cents(Decimal(units) * Decimal(unit_price))


@dataclass(frozen=True)
class RuleInput:
    """One active charge rule and its fee item, as plain data."""

    rule_id: int
    payer_scope: str
    code: str
    units_rule: str
    unit_price: Decimal


@dataclass(frozen=True)
class CareFacts:
    """What the signed record says about the care given."""

    primary_payer_kind: str | None = None
    dose_mg: Decimal | None = None
    infusion_minutes: Decimal | int | None = None


@dataclass(frozen=True)
class PlannedCharge:
    rule_id: int
    code: str
    units: Decimal
    unit_price: Decimal
    amount: Decimal


def plan_charges(rules: Sequence[RuleInput], care: CareFacts) -> list[PlannedCharge]:
    """The charges a signed record creates, in the rules' order: rules in the patient's payer scope,
    within their dose band, with at least one unit."""
    planned = []
    for rule in rules:
        if not payer_scope_matches(rule.payer_scope, care.primary_payer_kind):
            continue
        if not dose_band_allows(rule.code, care.dose_mg):
            continue
        units = units_for(rule.units_rule, dose_mg=care.dose_mg, infusion_minutes=care.infusion_minutes)
        if units <= 0:
            continue
        planned.append(
            PlannedCharge(
                rule_id=rule.rule_id,
                code=rule.code,
                units=units,
                unit_price=rule.unit_price,
                amount=charge_amount(units, rule.unit_price),
            )
        )
    return planned
