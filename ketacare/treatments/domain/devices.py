"""Esketamine devices: how many for a dose and when the next may be used (5-minute rests)."""

from datetime import datetime, timedelta
from decimal import Decimal

from ketacare.treatments.domain.rules import ESKETAMINE_DEVICE_MG, ESKETAMINE_DEVICE_REST_MIN


class DeviceError(ValueError):
    def __init__(self, field: str, problem: str):
        super().__init__(problem)
        self.field = field
        self.problem = problem


def devices_for_dose(dose_mg: object) -> int:
    """56 mg = 2 devices, 84 mg = 3 (CLINICAL.md §2: 28 mg per device)."""
    dose = Decimal(str(dose_mg))
    count, remainder = divmod(dose, ESKETAMINE_DEVICE_MG)
    if remainder or count < 1:
        raise DeviceError("dose_mg", f"{dose} mg is not a whole number of {ESKETAMINE_DEVICE_MG} mg devices.")
    return int(count)


def next_device_at(used_at: list[datetime], rest_min: int = ESKETAMINE_DEVICE_REST_MIN) -> datetime | None:
    """When the next device may be used (None = now: no device yet)."""
    if not used_at:
        return None
    return max(used_at) + timedelta(minutes=rest_min)


def check_next_device(
    used_at: list[datetime], planned_count: int, now: datetime, rest_min: int = ESKETAMINE_DEVICE_REST_MIN
) -> None:
    """Refuse a device beyond the planned dose or before the rest after the previous one is over."""
    if len(used_at) >= planned_count:
        raise DeviceError("device", f"All {planned_count} devices of this dose have been used.")
    ready = next_device_at(used_at, rest_min)
    if ready is not None and now < ready:
        seconds = int((ready - now).total_seconds())
        raise DeviceError(
            "device",
            f"Rest {rest_min} minutes after each device: the next may be used in {seconds // 60}:{seconds % 60:02d}.",
        )
