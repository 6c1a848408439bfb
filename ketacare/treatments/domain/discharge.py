"""Discharge criteria: all must be met; the missing ones are named.

Criteria (issue 6, CLINICAL.md §2): vitals recorded after the end of administration and back in
range, alert, walking steadily, accompanied home, minimum observation met. The observation is
counted from the first device for esketamine (REMS: at least 2 hours from the first device) and
from the end of administration for every other route (issue 14: an infusion is observed after it
stops, not while it runs); the caller says which moment it counted from.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class LastVitals:
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int
    spo2_percent: int


@dataclass(frozen=True)
class VitalRange:
    max_systolic_mmhg: int | None
    max_diastolic_mmhg: int | None
    max_heart_rate_bpm: int | None
    min_spo2_percent: int | None


def vitals_out_of_range(vitals: LastVitals, allowed: VitalRange) -> list[str]:
    problems = []
    if allowed.max_systolic_mmhg is not None and vitals.systolic_mmhg > allowed.max_systolic_mmhg:
        problems.append(f"systolic {vitals.systolic_mmhg} mmHg above {allowed.max_systolic_mmhg}")
    if allowed.max_diastolic_mmhg is not None and vitals.diastolic_mmhg > allowed.max_diastolic_mmhg:
        problems.append(f"diastolic {vitals.diastolic_mmhg} mmHg above {allowed.max_diastolic_mmhg}")
    if allowed.max_heart_rate_bpm is not None and vitals.heart_rate_bpm > allowed.max_heart_rate_bpm:
        problems.append(f"heart rate {vitals.heart_rate_bpm}/min above {allowed.max_heart_rate_bpm}")
    if allowed.min_spo2_percent is not None and vitals.spo2_percent < allowed.min_spo2_percent:
        problems.append(f"SpO2 {vitals.spo2_percent}% below {allowed.min_spo2_percent}%")
    return problems


def missing_criteria(
    *,
    last_vitals: LastVitals | None,
    allowed: VitalRange,
    alert: bool,
    walking_steadily: bool,
    accompanied_home: bool,
    observed_minutes: float | None,
    min_observation_min: int,
    observed_from: str,
) -> dict[str, str]:
    """Criterion → why it is not met; empty = the patient may be discharged.

    `last_vitals`: the latest reading taken after the end of administration (None: none yet);
    `observed_minutes`: minutes since `observed_from` (None: that moment has not come yet).
    """
    missing: dict[str, str] = {}
    if last_vitals is None:
        missing["vitals"] = "Vitals back in range: no vital signs recorded after the end of administration."
    else:
        problems = vitals_out_of_range(last_vitals, allowed)
        if problems:
            missing["vitals"] = "Vitals back in range: the latest reading has " + ", ".join(problems) + "."
    if not alert:
        missing["alert"] = "Alert: the patient is not yet alert."
    if not walking_steadily:
        missing["walking_steadily"] = "Walking steadily: not yet confirmed."
    if not accompanied_home:
        missing["accompanied_home"] = "Accompanied home: no one is confirmed to take the patient home."
    if observed_minutes is None:
        missing["observation"] = f"Minimum observation: counted from {observed_from}, which has not happened yet."
    elif observed_minutes < min_observation_min:
        missing["observation"] = (
            f"Minimum observation: {int(observed_minutes)} of {min_observation_min} minutes observed "
            f"since {observed_from}."
        )
    return missing
