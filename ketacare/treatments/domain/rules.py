"""Defaults of the charting rules, each with its source (CLINICAL.md) or marked a clinic choice."""

# CLINICAL.md §2 (Spravato dosing and administration): 5 minutes' rest after each device.
ESKETAMINE_DEVICE_REST_MIN = 5
# CLINICAL.md §2: 28 mg esketamine per device.
ESKETAMINE_DEVICE_MG = 28
# CLINICAL.md §2 (REMS): patients are monitored at least 2 hours.
DEFAULT_ESKETAMINE_MIN_OBSERVATION_MIN = 120
# UNVERIFIED (CLINICAL.md §1: ASKP3 discharge specifics not retrieved; the APA consensus gives no
# figure): a clinic setting. Minutes of observation counted from the END of administration for
# IV / IM / sublingual / oral routes (esketamine counts its 2 hours from the first device).
DEFAULT_POST_DOSE_OBSERVATION_MIN = 30
# Clinic choice (no source): a vital check this many minutes after its time is late.
DEFAULT_VITALS_TOLERANCE_MIN = 5
# Clinic choice: the chart's risk flags show suicidal-ideation answers of the last 30 days, the
# C-SSRS screener's past-month ideation recall (CLINICAL.md §3).
DEFAULT_RISK_LOOKBACK_DAYS = 30
