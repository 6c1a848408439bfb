"""The Patient Monitoring Form (PMF, CLINICAL.md §2): its fields, what is missing before it can
be finalised, and how a session chart fills it. Pure Python.

Filled from the chart (staff review every value before finalising):
- BP before: the last pre-dose reading; at 40 min: the reading at the protocol's 40-minute check,
  else the one nearest 40 minutes after the first device (within BP_40_WINDOW_MIN); before leaving:
  the last pre-discharge reading (else the last reading after dosing).
- vitals in range: the reading is at or under the protocol's delay BP and within the clinic's HR
  and SpO2 limits (the same range the session uses for discharge).
- sedation: an adverse event "sedation" or a MOAA/S rating below 5 (5 = responds readily to name);
  dissociation: an adverse event "dissociation" or a CADSS total above 0 (any symptom reported);
  respiratory depression: an adverse event "respiratory depression". Answered "no" only once the
  patient has been discharged (the chart is complete), otherwise left blank.
- interacting medicines: from the check-in answer; blank when the question was not asked.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

# The PMF's fields in form order with the label a missing-field message uses.
FIELD_LABELS: dict[str, str] = {
    "patient": "patient",
    "monitoring_clinician": "monitoring clinician",
    "location": "setting",
    "treatment_date": "treatment date",
    "first_treatment": "first treatment (yes/no)",
    "dose_mg": "dose",
    "lot_number": "lot number",
    "monitoring_minutes": "minutes from the first device to the end of monitoring",
    "vitals_in_range_before_dose": "vitals in range before administration",
    "vitals_in_range_before_leaving": "vitals in range before leaving",
    "bp_before_systolic_mmhg": "BP before dosing (systolic)",
    "bp_before_diastolic_mmhg": "BP before dosing (diastolic)",
    "bp_40min_systolic_mmhg": "BP at 40 minutes (systolic)",
    "bp_40min_diastolic_mmhg": "BP at 40 minutes (diastolic)",
    "bp_leaving_systolic_mmhg": "BP before leaving (systolic)",
    "bp_leaving_diastolic_mmhg": "BP before leaving (diastolic)",
    "sedation": "sedation (yes/no)",
    "dissociation": "dissociation (yes/no)",
    "respiratory_depression": "respiratory depression (yes/no)",
    "benzodiazepines": "benzodiazepines (yes/no)",
    "non_benzodiazepine_sedative_hypnotics": "non-benzodiazepine sedative hypnotics (yes/no)",
    "psychostimulants": "psychostimulants (yes/no)",
    "maois": "MAOIs (yes/no)",
    "opioids": "opioids (yes/no)",
}
# Optional on the form: the REMS evaluation question (CLINICAL.md §2) and the HCP's phone.
OPTIONAL_FIELDS = ("ready_to_leave_minutes", "monitoring_clinician_phone", "notes")
# Interacting-medicine codes of the session chart → the form's yes/no fields.
MEDICINE_FIELDS = {
    "benzodiazepine": "benzodiazepines",
    "non_benzo_sedative": "non_benzodiazepine_sedative_hypnotics",
    "psychostimulant": "psychostimulants",
    "maoi": "maois",
    "opioid": "opioids",
}
# CLINICAL.md §2: BP "~40 min post-dose"; a reading this close to 40 minutes counts.
BP_40_MINUTE = 40
BP_40_WINDOW_MIN = 15
# MOAA/S 5 = responds readily to name spoken in normal tone (no sedation).
MOAAS_AWAKE = 5


def missing_fields(values: Mapping[str, object]) -> list[str]:
    """Labels of the required fields that are blank (None or empty text), in form order."""
    return [label for name, label in FIELD_LABELS.items() if values.get(name) in (None, "")]


def missing_message(missing: list[str]) -> str:
    return "Fill in before finalising: " + "; ".join(missing) + "."


@dataclass(frozen=True)
class Vital:
    phase: str  # "pre_dose" | "monitoring" | "pre_discharge"
    minute: int | None  # minutes after the first device / start of administration
    scheduled_minute: int | None
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int
    spo2_percent: int


@dataclass(frozen=True)
class Range:
    max_systolic_mmhg: int | None
    max_diastolic_mmhg: int | None
    max_heart_rate_bpm: int | None
    min_spo2_percent: int | None

    def contains(self, vital: Vital) -> bool:
        return not (
            (self.max_systolic_mmhg is not None and vital.systolic_mmhg > self.max_systolic_mmhg)
            or (self.max_diastolic_mmhg is not None and vital.diastolic_mmhg > self.max_diastolic_mmhg)
            or (self.max_heart_rate_bpm is not None and vital.heart_rate_bpm > self.max_heart_rate_bpm)
            or (self.min_spo2_percent is not None and vital.spo2_percent < self.min_spo2_percent)
        )


@dataclass(frozen=True)
class ChartFacts:
    """What the session chart says, in plain values."""

    patient_id: int
    location_id: int
    monitoring_clinician_id: int | None
    treatment_date: dt.date | None
    first_treatment: bool
    dose_mg: float | None
    lot_number: str
    monitoring_minutes: int | None
    vitals: list[Vital]  # in time order
    vital_range: Range
    adverse_event_kinds: list[str]
    moaas_scores: list[int]
    cadss_totals: list[int]
    interacting_medicines: list[str] | None  # None: not asked at check-in
    discharged: bool
    location_phone: str = ""


def _bp(vital: Vital | None, prefix: str) -> dict[str, int | None]:
    return {
        f"bp_{prefix}_systolic_mmhg": vital.systolic_mmhg if vital else None,
        f"bp_{prefix}_diastolic_mmhg": vital.diastolic_mmhg if vital else None,
    }


def _reading_at_40(vitals: list[Vital]) -> Vital | None:
    scheduled = [v for v in vitals if v.scheduled_minute == BP_40_MINUTE]
    if scheduled:
        return scheduled[0]
    # (minutes away from minute 40, reading) for the timed readings after the dose
    away = [(abs(v.minute - BP_40_MINUTE), v) for v in vitals if v.phase != "pre_dose" and v.minute is not None]
    near = [(distance, v) for distance, v in away if distance <= BP_40_WINDOW_MIN]
    return min(near, key=lambda pair: pair[0])[1] if near else None


def _yes_no(happened: bool, complete: bool) -> bool | None:
    if happened:
        return True
    return False if complete else None


def form_values_from_chart(chart: ChartFacts) -> dict[str, object]:
    """The PMF's field values filled from one esketamine session's chart (None = not known)."""
    before = [v for v in chart.vitals if v.phase == "pre_dose"]
    after = [v for v in chart.vitals if v.phase != "pre_dose"]
    leaving = [v for v in after if v.phase == "pre_discharge"] or after
    last_before = before[-1] if before else None
    last_leaving = leaving[-1] if leaving and chart.discharged else None
    kinds = set(chart.adverse_event_kinds)
    dose = chart.dose_mg
    values: dict[str, object] = {
        "patient": chart.patient_id,
        "location": chart.location_id,
        "monitoring_clinician": chart.monitoring_clinician_id,
        "monitoring_clinician_phone": chart.location_phone,
        "treatment_date": chart.treatment_date,
        "first_treatment": chart.first_treatment,
        "dose_mg": int(dose) if dose and float(dose).is_integer() else None,
        "lot_number": chart.lot_number,
        "monitoring_minutes": chart.monitoring_minutes if chart.discharged else None,
        "vitals_in_range_before_dose": chart.vital_range.contains(last_before) if last_before else None,
        "vitals_in_range_before_leaving": chart.vital_range.contains(last_leaving) if last_leaving else None,
        **_bp(last_before, "before"),
        **_bp(_reading_at_40(after), "40min"),
        **_bp(last_leaving, "leaving"),
        "sedation": _yes_no("sedation" in kinds or any(s < MOAAS_AWAKE for s in chart.moaas_scores), chart.discharged),
        "dissociation": _yes_no("dissociation" in kinds or any(t > 0 for t in chart.cadss_totals), chart.discharged),
        "respiratory_depression": _yes_no("respiratory_depression" in kinds, chart.discharged),
    }
    for code, name in MEDICINE_FIELDS.items():
        values[name] = None if chart.interacting_medicines is None else code in chart.interacting_medicines
    return values
