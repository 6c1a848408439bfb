"""Whether pre-dose blood pressure holds the session (the protocol's delay level).

CLINICAL.md §2: the esketamine label says to weigh delaying when BP is elevated, "as a general
guide: >140/90 mmHg"; the template carries the clinic's thresholds (bp_delay_*). A reading
strictly above either threshold holds the session until a prescriber overrides it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    delay_systolic_mmhg: int | None = None
    delay_diastolic_mmhg: int | None = None
    stop_systolic_mmhg: int | None = None
    stop_diastolic_mmhg: int | None = None


def hold_reasons(systolic_mmhg: int, diastolic_mmhg: int, thresholds: Thresholds) -> list[str]:
    """Why this pre-dose reading holds the session; empty = it does not."""
    reasons = []
    if thresholds.delay_systolic_mmhg is not None and systolic_mmhg > thresholds.delay_systolic_mmhg:
        reasons.append(
            f"Systolic {systolic_mmhg} mmHg is above the protocol's delay level of {thresholds.delay_systolic_mmhg} mmHg."
        )
    if thresholds.delay_diastolic_mmhg is not None and diastolic_mmhg > thresholds.delay_diastolic_mmhg:
        reasons.append(
            f"Diastolic {diastolic_mmhg} mmHg is above the protocol's delay level of "
            f"{thresholds.delay_diastolic_mmhg} mmHg."
        )
    return reasons


def stop_reasons(systolic_mmhg: int, diastolic_mmhg: int, thresholds: Thresholds) -> list[str]:
    """Why a reading during administration reaches the protocol's stop level; empty = it does not."""
    reasons = []
    if thresholds.stop_systolic_mmhg is not None and systolic_mmhg > thresholds.stop_systolic_mmhg:
        reasons.append(
            f"Systolic {systolic_mmhg} mmHg is above the stop level of {thresholds.stop_systolic_mmhg} mmHg."
        )
    if thresholds.stop_diastolic_mmhg is not None and diastolic_mmhg > thresholds.stop_diastolic_mmhg:
        reasons.append(
            f"Diastolic {diastolic_mmhg} mmHg is above the stop level of {thresholds.stop_diastolic_mmhg} mmHg."
        )
    return reasons
