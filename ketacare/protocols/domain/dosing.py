"""Weight-based dose calculation: mg from mg/kg and a recent weight, mL from the concentration.

Pure Python (Decimal arithmetic, so 70 kg × 0.5 mg/kg is exactly 35 mg). Three tiers of limit,
all protocol parameters a clinic admin sets on the template:

- inside [min_dose_mg_per_kg, max_dose_mg_per_kg] and under max_dose_mg_per_session: allowed;
- above max_dose_mg_per_kg or max_dose_mg_per_session (but not above the hard cap): BLOCKED
  unless a prescriber override with a reason is supplied (the action checks the role and audits it);
- below min_dose_mg_per_kg or above hard_cap_dose_mg_per_kg: refused outright (DosingError).

Defaults are clinic policy, not medical advice: IV 0.5 mg/kg is the usual dose (Andrade 2017,
CLINICAL.md §1); 0.75 mg/kg is the top of the range Andrade discusses; 1.0 mg/kg is the highest
dose tested in Fava et al. (NCT01920555), used here as the hard cap.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from ketacare.protocols.domain.errors import ProtocolRuleError

# Same bounds as WeightMeasurement.weight_kg: outside them a weight is a typing error, not a patient.
MIN_WEIGHT_KG = Decimal("30")
MAX_WEIGHT_KG = Decimal("300")

# Clinic settings (CLINICAL.md: clinic choice, not from a source).
DEFAULT_MAX_WEIGHT_AGE_DAYS = 30
DEFAULT_ROUNDING_MG = Decimal("1")
DEFAULT_VOLUME_ROUNDING_ML = Decimal("0.01")

# IV racemic ketamine, clinic policy defaults (see module docstring for sources).
IV_MIN_DOSE_MG_PER_KG = Decimal("0.1")  # Andrade 2017: some respond to 0.1 mg/kg
IV_MAX_DOSE_MG_PER_KG = Decimal("0.75")  # Andrade 2017: range studied 0.10–0.75 mg/kg
IV_HARD_CAP_DOSE_MG_PER_KG = Decimal("1.0")  # Fava, NCT01920555: highest dose tested
IV_TITRATION_STEPS_MG_PER_KG = (Decimal("0.5"), Decimal("0.75"))


class DosingError(ProtocolRuleError):
    """A dose that cannot be calculated or is refused; `field` names the input."""


def to_decimal(field_name: str, value: object) -> Decimal:
    """A finite Decimal from int, float, str or Decimal (floats via str, so 0.1 stays 0.1)."""
    if isinstance(value, bool) or value is None:
        raise DosingError(field_name, "must be a number")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DosingError(field_name, f"must be a number, not {value!r}") from None
    if not number.is_finite():
        raise DosingError(field_name, "must be a finite number")
    return number


def _positive(field_name: str, value: object) -> Decimal:
    number = to_decimal(field_name, value)
    if number <= 0:
        raise DosingError(field_name, f"must be more than 0, not {number}")
    return number


def _plain(number: Decimal) -> Decimal:
    number = number.normalize()
    # A finite number (from _positive) has a whole-number exponent; only NaN and infinities have letters.
    exponent = number.as_tuple().exponent
    return number.quantize(Decimal("1")) if isinstance(exponent, int) and exponent > 0 else number


def _optional_positive(field_name: str, value: object) -> Decimal | None:
    return None if value is None else _positive(field_name, value)


@dataclass(frozen=True)
class DoseLimits:
    """A protocol's dose limits; None = no limit of that kind."""

    min_dose_mg_per_kg: Decimal | None = None
    max_dose_mg_per_kg: Decimal | None = None
    hard_cap_dose_mg_per_kg: Decimal | None = None
    max_dose_mg_per_session: Decimal | None = None

    def __post_init__(self) -> None:
        for name in ("min_dose_mg_per_kg", "max_dose_mg_per_kg", "hard_cap_dose_mg_per_kg", "max_dose_mg_per_session"):
            object.__setattr__(self, name, _optional_positive(name, getattr(self, name)))
        low, high, cap = self.min_dose_mg_per_kg, self.max_dose_mg_per_kg, self.hard_cap_dose_mg_per_kg
        if low is not None and high is not None and low > high:
            raise DosingError("max_dose_mg_per_kg", f"must be at least the minimum ({low} mg/kg)")
        if high is not None and cap is not None and high > cap:
            raise DosingError("hard_cap_dose_mg_per_kg", f"must be at least the maximum ({high} mg/kg)")


IV_RACEMIC_LIMITS = DoseLimits(
    min_dose_mg_per_kg=IV_MIN_DOSE_MG_PER_KG,
    max_dose_mg_per_kg=IV_MAX_DOSE_MG_PER_KG,
    hard_cap_dose_mg_per_kg=IV_HARD_CAP_DOSE_MG_PER_KG,
)


@dataclass(frozen=True)
class DosePolicy:
    """Clinic choices: how old a weight may be, and how doses and volumes are rounded."""

    max_weight_age_days: int = DEFAULT_MAX_WEIGHT_AGE_DAYS
    rounding_mg: Decimal = DEFAULT_ROUNDING_MG
    volume_rounding_ml: Decimal = DEFAULT_VOLUME_ROUNDING_ML

    def __post_init__(self) -> None:
        age = self.max_weight_age_days
        if isinstance(age, bool) or not isinstance(age, int) or age < 0:
            raise DosingError("max_weight_age_days", f"must be a whole number of days, 0 or more, not {age!r}")
        # Plain steps (1.000 → 1, 10 → 10 not 1E+1), so rounded results carry the step's decimals.
        for name in ("rounding_mg", "volume_rounding_ml"):
            object.__setattr__(self, name, _plain(_positive(name, getattr(self, name))))


@dataclass(frozen=True)
class DoseResult:
    dose_mg_per_kg: Decimal
    weight_kg: Decimal
    weight_measured_on: date
    exact_dose_mg: Decimal  # weight × mg/kg, before rounding
    dose_mg: Decimal  # rounded to the clinic's step, never rounded up past a limit
    rounding_mg: Decimal
    concentration_mg_per_ml: Decimal | None
    volume_ml: Decimal | None
    # Limits exceeded; with no override the dose is blocked.
    block_reasons: tuple[str, ...] = ()
    override_reason: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def blocked(self) -> bool:
        return bool(self.block_reasons) and not self.override_reason

    @property
    def overridden(self) -> bool:
        return bool(self.block_reasons) and bool(self.override_reason)


def round_to_step(value: Decimal, step: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round to the nearest multiple of `step` (half up), or down with rounding=ROUND_DOWN."""
    return (value / step).quantize(Decimal("1"), rounding=rounding) * step


def check_weight(
    weight_kg: object, weight_measured_on: date | None, *, today: date, max_weight_age_days: int
) -> tuple[Decimal, date]:
    """The weight and the date it was measured, if plausible and recent enough for dosing; DosingError naming
    the problem otherwise."""
    if weight_kg is None or weight_measured_on is None:
        raise DosingError("weight_kg", "Today's weight is needed: no weight is recorded.")
    weight = to_decimal("weight_kg", weight_kg)
    if not MIN_WEIGHT_KG <= weight <= MAX_WEIGHT_KG:
        raise DosingError("weight_kg", f"must be between {MIN_WEIGHT_KG} and {MAX_WEIGHT_KG} kg, not {weight}")
    if weight_measured_on > today:
        raise DosingError("weight_measured_on", "The weight cannot be measured in the future.")
    age_days = (today - weight_measured_on).days
    if age_days > max_weight_age_days:
        raise DosingError(
            "weight_measured_on",
            f"Today's weight is needed: the latest ({weight} kg on {weight_measured_on.isoformat()}) is "
            f"{age_days} days old, and this clinic accepts weights up to {max_weight_age_days} days old.",
        )
    return weight, weight_measured_on


def check_dose_in_range(dose_mg_per_kg: Decimal, limits: DoseLimits) -> None:
    """Refuse a dose outside the protocol's range (no override possible)."""
    if limits.min_dose_mg_per_kg is not None and dose_mg_per_kg < limits.min_dose_mg_per_kg:
        raise DosingError(
            "dose_mg_per_kg",
            f"{dose_mg_per_kg} mg/kg is below this protocol's minimum of {limits.min_dose_mg_per_kg} mg/kg.",
        )
    if limits.hard_cap_dose_mg_per_kg is not None and dose_mg_per_kg > limits.hard_cap_dose_mg_per_kg:
        raise DosingError(
            "dose_mg_per_kg",
            f"{dose_mg_per_kg} mg/kg is above this protocol's hard cap of {limits.hard_cap_dose_mg_per_kg} mg/kg; "
            "it cannot be overridden.",
        )


def calculate_dose(
    *,
    dose_mg_per_kg: object,
    weight_kg: object,
    weight_measured_on: date | None,
    today: date,
    limits: DoseLimits = DoseLimits(),
    policy: DosePolicy = DosePolicy(),
    concentration_mg_per_ml: object = None,
    override_reason: str = "",
) -> DoseResult:
    """The dose in mg (and mL when a concentration is given), blocked or not.

    Rounding goes to the nearest `policy.rounding_mg`; when that would cross a maximum the dose is
    rounded down instead, so rounding alone never creates a block. Limits exceeded by the dose
    asked for are listed in block_reasons; `override_reason` (checked by the caller to come from a
    prescriber) lifts the block.
    """
    per_kg = _positive("dose_mg_per_kg", dose_mg_per_kg)
    weight, measured_on = check_weight(
        weight_kg, weight_measured_on, today=today, max_weight_age_days=policy.max_weight_age_days
    )
    check_dose_in_range(per_kg, limits)
    concentration = _optional_positive("concentration_mg_per_ml", concentration_mg_per_ml)

    exact_mg = weight * per_kg
    reasons: list[str] = []
    notes: list[str] = []
    # The most a dose may be without an override: rounding must not push it past this.
    ceilings: list[Decimal] = []
    if limits.max_dose_mg_per_kg is not None:
        if per_kg > limits.max_dose_mg_per_kg:
            reasons.append(
                f"{per_kg} mg/kg is above this protocol's maximum of {limits.max_dose_mg_per_kg} mg/kg per session."
            )
        else:
            ceilings.append(weight * limits.max_dose_mg_per_kg)
    if limits.max_dose_mg_per_session is not None:
        if exact_mg > limits.max_dose_mg_per_session:
            reasons.append(
                f"{exact_mg.normalize():f} mg is above this protocol's maximum of "
                f"{limits.max_dose_mg_per_session} mg per session."
            )
        else:
            ceilings.append(limits.max_dose_mg_per_session)

    dose_mg = round_to_step(exact_mg, policy.rounding_mg)
    if ceilings and dose_mg > min(ceilings):
        dose_mg = round_to_step(exact_mg, policy.rounding_mg, ROUND_DOWN)
        notes.append("Rounded down so the rounded dose stays within the protocol maximum.")
    if dose_mg <= 0:
        raise DosingError("rounding_mg", f"Rounding {exact_mg} mg to steps of {policy.rounding_mg} mg leaves no dose.")
    volume_ml = None
    if concentration is not None:
        volume_ml = round_to_step(dose_mg / concentration, policy.volume_rounding_ml)
    return DoseResult(
        dose_mg_per_kg=per_kg,
        weight_kg=weight,
        weight_measured_on=measured_on,
        exact_dose_mg=exact_mg,
        dose_mg=dose_mg,
        rounding_mg=policy.rounding_mg,
        concentration_mg_per_ml=concentration,
        volume_ml=volume_ml,
        block_reasons=tuple(reasons),
        override_reason=override_reason.strip() if reasons else "",
        notes=tuple(notes),
    )


def next_titration_step(current_mg_per_kg: object, steps_mg_per_kg: Sequence[object]) -> Decimal | None:
    """The next higher step after non-response, or None when already at the top.

    `steps_mg_per_kg` must be strictly increasing (e.g. 0.5 → 0.75 mg/kg).
    """
    current = _positive("dose_mg_per_kg", current_mg_per_kg)
    steps = [_positive("titration_steps", step) for step in steps_mg_per_kg]
    if any(a >= b for a, b in zip(steps, steps[1:], strict=False)):
        raise DosingError("titration_steps", "must be in increasing order with no repeats")
    return next((step for step in steps if step > current), None)
