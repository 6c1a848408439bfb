"""Defaults of the charting rules, each with its source (CLINICAL.md) or marked a clinic choice."""

# CLINICAL.md §2 (Spravato dosing and administration): 5 minutes' rest after each device.
ESKETAMINE_DEVICE_REST_MIN = 5
# CLINICAL.md §2: 28 mg esketamine per device.
ESKETAMINE_DEVICE_MG = 28
# CLINICAL.md §2 (REMS): patients are monitored at least 2 hours.
DEFAULT_ESKETAMINE_MIN_OBSERVATION_MIN = 120
# UNVERIFIED (CLINICAL.md §1: ASKP3 discharge specifics not retrieved): a clinic setting.
DEFAULT_IV_MIN_OBSERVATION_MIN = 30
# Clinic choice (no source): a vital check this many minutes after its time is late.
DEFAULT_VITALS_TOLERANCE_MIN = 5
