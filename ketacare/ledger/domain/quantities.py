"""Quantities of controlled substance: mg as the book unit, mL or devices as the measure.

The ledger keeps every balance in mg. A product is measured either in mL (a ketamine vial of
a given mg/mL) or in whole devices (an esketamine nasal spray device holds 28 mg), so a
quantity of mg is shown as mL for vials and as a device count for devices.
"""

from decimal import ROUND_HALF_UP, Decimal

MG_PLACES = Decimal("0.001")
ML_PLACES = Decimal("0.001")

UNIT_ML = "ml"
UNIT_DEVICE = "device"


class QuantityError(ValueError):
    """A quantity that cannot be booked; `field` names the input at fault."""

    def __init__(self, field: str, problem: str):
        super().__init__(problem)
        self.field = field
        self.problem = problem


def volume_ml_for(dose_mg: Decimal, strength_mg_per_ml: Decimal) -> Decimal:
    """mL that hold `dose_mg` at `strength_mg_per_ml`, to 0.001 mL."""
    if strength_mg_per_ml <= 0:
        raise QuantityError("strength_mg_per_unit", "The strength must be above zero.")
    return (Decimal(dose_mg) / Decimal(strength_mg_per_ml)).quantize(ML_PLACES, rounding=ROUND_HALF_UP)


def device_count_for(dose_mg: Decimal, mg_per_device: Decimal, field: str = "quantity_mg") -> int:
    """Whole devices that hold `dose_mg`; a device is used whole, so a part device is refused."""
    if mg_per_device <= 0:
        raise QuantityError("strength_mg_per_unit", "The strength must be above zero.")
    count, remainder = divmod(Decimal(dose_mg), Decimal(mg_per_device))
    if remainder:
        raise QuantityError(field, f"A device holds {mg_per_device.normalize()} mg; give a whole number of devices.")
    return int(count)


def check_positive(quantity_mg: Decimal, field: str) -> Decimal:
    quantity_mg = Decimal(quantity_mg)
    if not quantity_mg.is_finite() or quantity_mg <= 0:
        raise QuantityError(field, "Give a quantity above zero (mg).")
    if quantity_mg != quantity_mg.quantize(MG_PLACES):
        raise QuantityError(field, "Give the quantity to at most 3 decimal places (mg).")
    return quantity_mg


def next_balance(balance_mg: Decimal, delta_mg: Decimal, field: str = "quantity_mg") -> Decimal:
    """The balance after booking `delta_mg` (negative: a debit); never below zero."""
    after = Decimal(balance_mg) + Decimal(delta_mg)
    if after < 0:
        raise QuantityError(
            field,
            f"Only {Decimal(balance_mg).normalize():f} mg remain in this vial; "
            f"{(-Decimal(delta_mg)).normalize():f} mg cannot be taken from it.",
        )
    return after
