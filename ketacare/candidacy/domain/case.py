"""What the candidacy rules read about a patient: the case.

Each dataclass checks its own values on construction and raises CaseError with
the field's name; containers prefix the path of their parts, so a problem deep
in a case reads like `trials[1].stop_date: ...` (list indices count from 0).
"""

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum

from ketacare.candidacy.domain.drugs import DrugClass
from ketacare.patients.domain.demographics import MAX_AGE_YEARS, age_on

# Outside these, a weight is a typing error (brief: 30–300 kg).
MIN_WEIGHT_KG = 30.0
MAX_WEIGHT_KG = 300.0
# Plausible ranges for a measured vital sign; outside them the number was mistyped.
SYSTOLIC_RANGE_MMHG = (50, 300)
DIASTOLIC_RANGE_MMHG = (20, 200)
HEART_RATE_RANGE_BPM = (20, 250)
SPO2_RANGE_PERCENT = (50.0, 100.0)


class CaseError(ValueError):
    """A case that cannot be evaluated; `path` names the field (`trials[1].start_date`)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message

    def within(self, prefix: str) -> "CaseError":
        """The same problem seen from the container at `prefix`."""
        if not self.path:
            return CaseError(prefix, self.message)
        joiner = "" if self.path.startswith("[") else "."
        return CaseError(f"{prefix}{joiner}{self.path}", self.message)


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Adherence(StrEnum):
    GOOD = "good"
    PARTIAL = "partial"
    POOR = "poor"


class StopReason(StrEnum):
    INEFFECTIVE = "ineffective"
    SIDE_EFFECTS = "side_effects"
    OTHER = "other"


class Response(StrEnum):
    NONE = "none"
    PARTIAL = "partial"
    RESPONSE = "response"
    REMISSION = "remission"


class Hypertension(StrEnum):
    NONE = "none"
    CONTROLLED = "controlled"
    UNCONTROLLED = "uncontrolled"


class Psychosis(StrEnum):
    NONE = "none"
    PAST = "past"
    CURRENT = "current"


class DisorderStatus(StrEnum):
    CURRENT = "current"
    PAST = "past"


class LiverDisease(StrEnum):
    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class KetamineDrug(StrEnum):
    KETAMINE = "ketamine"
    ESKETAMINE = "esketamine"


class AdministrationRoute(StrEnum):
    IV = "iv"
    IM = "im"
    SUBCUTANEOUS = "subcutaneous"
    SUBLINGUAL = "sublingual"
    ORAL = "oral"
    INTRANASAL = "intranasal"


def _require_finite(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CaseError(name, "must be a number")


def _require_range(name: str, value: float, low: float, high: float, unit: str) -> None:
    _require_finite(name, value)
    if not low <= value <= high:
        unit = f" {unit}" if unit else ""
        raise CaseError(name, f"must be between {low:g} and {high:g}{unit}, not {value:g}")


def _require_text(name: str, value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise CaseError(name, "must be a non-empty text")


@dataclass(frozen=True)
class Patient:
    """Exactly one of `age_years` and `date_of_birth` is given."""

    sex: Sex
    pregnant: bool
    breastfeeding: bool
    weight_kg: float
    age_years: int | None = None
    date_of_birth: dt.date | None = None

    def __post_init__(self) -> None:
        if (self.age_years is None) == (self.date_of_birth is None):
            raise CaseError("age_years", "give either age_years or date_of_birth, not both or neither")
        if self.age_years is not None:
            if isinstance(self.age_years, bool) or not isinstance(self.age_years, int):
                raise CaseError("age_years", "must be a whole number")
            _require_range("age_years", self.age_years, 0, MAX_AGE_YEARS, "years")
        _require_range("weight_kg", self.weight_kg, MIN_WEIGHT_KG, MAX_WEIGHT_KG, "kg")

    def age_on(self, day: dt.date) -> int:
        if self.date_of_birth is not None:
            return age_on(self.date_of_birth, day)
        assert self.age_years is not None
        return self.age_years


@dataclass(frozen=True)
class AntidepressantTrial:
    """One antidepressant as taken: the daily dose reached and held, from start to stop.

    `stop_date` None means ongoing (then `stop_reason` is None too).
    `improvement_percent` is the patient's improvement on it, 0–100 (MGH-ATRQ style).
    `augmentation` marks a drug added to another antidepressant rather than a trial of its own.
    """

    drug: str
    daily_dose_mg: float
    start_date: dt.date
    stop_date: dt.date | None
    adherence: Adherence
    improvement_percent: float
    stop_reason: StopReason | None = None
    augmentation: bool = False

    def __post_init__(self) -> None:
        _require_text("drug", self.drug)
        _require_finite("daily_dose_mg", self.daily_dose_mg)
        if self.daily_dose_mg <= 0:
            raise CaseError("daily_dose_mg", f"must be more than 0 mg, not {self.daily_dose_mg:g}")
        _require_range("improvement_percent", self.improvement_percent, 0, 100, "percent")
        if self.stop_date is None:
            if self.stop_reason is not None:
                raise CaseError("stop_reason", "an ongoing trial (no stop_date) has no stop reason")
        elif self.stop_date < self.start_date:
            raise CaseError(
                "stop_date", f"{self.stop_date.isoformat()} is before the start date {self.start_date.isoformat()}"
            )

    @property
    def ongoing(self) -> bool:
        return self.stop_date is None


@dataclass(frozen=True)
class PsychotherapyCourse:
    kind: str
    sessions: int | None = None

    def __post_init__(self) -> None:
        _require_text("kind", self.kind)
        if self.sessions is not None:
            _require_range("sessions", self.sessions, 0, 10_000, "")


@dataclass(frozen=True)
class NeuromodulationCourse:
    """A course of ECT or TMS."""

    sessions: int
    response: Response

    def __post_init__(self) -> None:
        _require_range("sessions", self.sessions, 0, 10_000, "")


@dataclass(frozen=True)
class PriorKetamineTreatment:
    drug: KetamineDrug
    route: AdministrationRoute
    response: Response


@dataclass(frozen=True)
class SubstanceUseDisorder:
    substance: str
    status: DisorderStatus

    def __post_init__(self) -> None:
        _require_text("substance", self.substance)


@dataclass(frozen=True)
class MedicalHistory:
    """Every flag is stated: a flag nobody asked about must not read as "no".

    `aneurysmal_vascular_disease` includes the thoracic and abdominal aorta and the
    intracranial and peripheral arterial vessels (esketamine label wording).
    `interstitial_cystitis` includes ketamine-related uropathy.
    """

    aneurysmal_vascular_disease: bool
    arteriovenous_malformation: bool
    intracerebral_haemorrhage: bool
    hypertension: Hypertension
    hypertensive_encephalopathy: bool
    cardiovascular_disease: bool
    psychosis: Psychosis
    substance_use_disorders: tuple[SubstanceUseDisorder, ...]
    liver_disease: LiverDisease
    interstitial_cystitis: bool
    ketamine_hypersensitivity: bool


@dataclass(frozen=True)
class CurrentMedicine:
    name: str
    drug_class: DrugClass

    def __post_init__(self) -> None:
        _require_text("name", self.name)


@dataclass(frozen=True)
class Vitals:
    """Baseline vital signs; heart rate and SpO2 may be missing, blood pressure may not."""

    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int | None = None
    spo2_percent: float | None = None

    def __post_init__(self) -> None:
        _require_range("systolic_mmhg", self.systolic_mmhg, *SYSTOLIC_RANGE_MMHG, "mmHg")
        _require_range("diastolic_mmhg", self.diastolic_mmhg, *DIASTOLIC_RANGE_MMHG, "mmHg")
        if self.diastolic_mmhg >= self.systolic_mmhg:
            raise CaseError("diastolic_mmhg", f"must be below the systolic pressure ({self.systolic_mmhg:g} mmHg)")
        if self.heart_rate_bpm is not None:
            _require_range("heart_rate_bpm", self.heart_rate_bpm, *HEART_RATE_RANGE_BPM, "bpm")
        if self.spo2_percent is not None:
            _require_range("spo2_percent", self.spo2_percent, *SPO2_RANGE_PERCENT, "percent")


@dataclass(frozen=True)
class Case:
    """A patient's case on `evaluation_date`; no date in it may be later than that day."""

    evaluation_date: dt.date
    patient: Patient
    episode_start_date: dt.date
    trials: tuple[AntidepressantTrial, ...]
    medical_history: MedicalHistory
    current_medications: tuple[CurrentMedicine, ...]
    baseline_vitals: Vitals | None = None
    psychotherapy: tuple[PsychotherapyCourse, ...] = ()
    ect: NeuromodulationCourse | None = None
    tms: NeuromodulationCourse | None = None
    prior_ketamine: tuple[PriorKetamineTreatment, ...] = ()

    def __post_init__(self) -> None:
        self._not_after_evaluation("patient.date_of_birth", self.patient.date_of_birth)
        if self.patient.date_of_birth is not None and self.age_years > MAX_AGE_YEARS:
            raise CaseError("patient.date_of_birth", f"is more than {MAX_AGE_YEARS} years ago; check the year")
        self._not_after_evaluation("episode_start_date", self.episode_start_date)

        for index, trial in enumerate(self.trials):
            self._not_after_evaluation(f"trials[{index}].start_date", trial.start_date)
            self._not_after_evaluation(f"trials[{index}].stop_date", trial.stop_date)

    def _not_after_evaluation(self, path: str, day: dt.date | None) -> None:
        if day is not None and day > self.evaluation_date:
            raise CaseError(
                path,
                f"{day.isoformat()} is in the future (after the evaluation date {self.evaluation_date.isoformat()})",
            )

    @property
    def age_years(self) -> int:
        return self.patient.age_on(self.evaluation_date)
