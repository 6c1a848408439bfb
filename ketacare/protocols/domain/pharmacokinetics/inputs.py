"""What every simulation input must be, and the error that names the one that is not.

Units across the package: amounts mg, volumes L, rate constants min⁻¹, times min from the start
of the first dose.
"""

import math

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

# Plausibility bounds that catch typos (grams for kilograms, hours for
# minutes); they are not clinical limits.
MAX_WEIGHT_KG = 300.0
MAX_INFUSION_MIN = 24 * 60.0


class PharmacokineticsError(ValueError):
    """Impossible simulation input; `field` names the input in the caller's terms."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def check_finite(field: str, value: float) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise PharmacokineticsError(field, f"must be a finite number, not {value!r}")
    return float(value)


def check_positive(field: str, value: float) -> float:
    value = check_finite(field, value)
    if value <= 0:
        raise PharmacokineticsError(field, f"must be more than 0, not {value:g}")
    return value


def check_weight_kg(weight_kg: float, field: str = "weight_kg") -> float:
    weight_kg = check_finite(field, weight_kg)
    if not 0 < weight_kg <= MAX_WEIGHT_KG:
        raise PharmacokineticsError(field, f"must be more than 0 and at most {MAX_WEIGHT_KG:g} kg, not {weight_kg:g}")
    return weight_kg


def check_dose_mg(field: str, dose_mg: float) -> float:
    dose_mg = check_finite(field, dose_mg)
    if dose_mg < 0:
        raise PharmacokineticsError(field, f"cannot be negative, not {dose_mg:g}")
    return dose_mg


def check_start_min(field: str, start_min: float) -> float:
    start_min = check_finite(field, start_min)
    if start_min < 0:
        raise PharmacokineticsError(field, f"cannot be before time 0, not {start_min:g} min")
    return start_min
