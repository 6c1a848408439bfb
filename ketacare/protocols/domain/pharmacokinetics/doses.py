"""Dose events: an IV bolus, a zero-order IV infusion, or an extravascular dose (IM, sublingual,
intranasal) through its route's absorption; and the regimens built from them (mg/kg for a
weight, esketamine devices)."""

from dataclasses import dataclass

from ketacare.protocols.domain.pharmacokinetics.absorption import INTRANASAL_ESKETAMINE, Absorption
from ketacare.protocols.domain.pharmacokinetics.inputs import (
    MAX_INFUSION_MIN,
    PharmacokineticsError,
    check_dose_mg,
    check_finite,
    check_start_min,
    check_weight_kg,
)

# Spravato device: 28 mg per device, 5 min rest after each (label; CLINICAL.md §2).
ESKETAMINE_MG_PER_DEVICE = 28.0
ESKETAMINE_DEVICE_INTERVAL_MIN = 5.0


@dataclass(frozen=True)
class IvBolus:
    dose_mg: float
    start_min: float = 0.0

    def __post_init__(self) -> None:
        check_dose_mg("dose_mg", self.dose_mg)
        check_start_min("start_min", self.start_min)


@dataclass(frozen=True)
class IvInfusion:
    """Zero-order infusion: dose_mg at a constant rate over duration_min."""

    dose_mg: float
    duration_min: float
    start_min: float = 0.0

    def __post_init__(self) -> None:
        check_dose_mg("dose_mg", self.dose_mg)
        duration_min = check_finite("duration_min", self.duration_min)
        if not 0 < duration_min <= MAX_INFUSION_MIN:
            raise PharmacokineticsError(
                "duration_min", f"must be more than 0 and at most {MAX_INFUSION_MIN:g} min (24 h), not {duration_min:g}"
            )
        check_start_min("start_min", self.start_min)


@dataclass(frozen=True)
class ExtravascularDose:
    """IM, sublingual or intranasal dose; dose_mg is the amount given, before bioavailability."""

    dose_mg: float
    absorption: Absorption
    start_min: float = 0.0

    def __post_init__(self) -> None:
        check_dose_mg("dose_mg", self.dose_mg)
        check_start_min("start_min", self.start_min)


DoseEvent = IvBolus | IvInfusion | ExtravascularDose


def dose_mg_for_weight(weight_kg: float, dose_mg_per_kg: float) -> float:
    weight_kg = check_weight_kg(weight_kg)
    return weight_kg * check_dose_mg("dose_mg_per_kg", dose_mg_per_kg)


def esketamine_devices(
    device_count: int,
    *,
    mg_per_device: float = ESKETAMINE_MG_PER_DEVICE,
    interval_min: float = ESKETAMINE_DEVICE_INTERVAL_MIN,
    absorption: Absorption = INTRANASAL_ESKETAMINE,
    start_min: float = 0.0,
) -> tuple[ExtravascularDose, ...]:
    """One dose event per nasal spray device, `interval_min` apart (56 mg = 2 devices)."""
    if isinstance(device_count, bool) or not isinstance(device_count, int) or device_count < 1:
        raise PharmacokineticsError("device_count", f"must be a whole number of at least 1, not {device_count!r}")
    check_start_min("interval_min", interval_min)
    return tuple(
        ExtravascularDose(dose_mg=mg_per_device, absorption=absorption, start_min=start_min + i * interval_min)
        for i in range(device_count)
    )
