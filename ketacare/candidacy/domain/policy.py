"""The thresholds and choices a clinic may set; defaults name their source in POLICY_SOURCES."""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ketacare.candidacy.domain.drugs import ATHF_STYLE_MINIMUM_DAILY_DOSE_MG, MINIMUM_DOSE_SOURCE, normalize_drug_name
from ketacare.candidacy.domain.findings import Severity

# CLINICAL.md §4: "configurable minimum duration (default 6 weeks, ATHF mode 4 weeks)".
ATHF_MODE_MINIMUM_TRIAL_WEEKS = 4.0


class PolicyError(ValueError):
    """A policy value that cannot be used; the message names the parameter."""


@dataclass(frozen=True)
class CandidacyPolicy:
    # Treatment resistance (CLINICAL.md §4)
    minimum_daily_dose_mg: Mapping[str, float] = field(default_factory=lambda: ATHF_STYLE_MINIMUM_DAILY_DOSE_MG)
    minimum_trial_weeks: float = 6.0
    failure_below_improvement_percent: float = 50.0
    trd_minimum_failed_trials: int = 2
    esketamine_trial_maximum_failed_trials: int = 5
    count_partial_adherence: bool = True
    count_augmentation_trials: bool = False
    require_trd_for_racemic: bool = True
    # Blood pressure and vital signs before dosing
    esketamine_bp_caution_systolic_mmhg: int = 140
    esketamine_bp_caution_diastolic_mmhg: int = 90
    racemic_bp_caution_systolic_mmhg: int = 140
    racemic_bp_caution_diastolic_mmhg: int = 90
    bp_hold_systolic_mmhg: int = 180
    bp_hold_diastolic_mmhg: int = 100
    heart_rate_caution_bpm: int = 110
    spo2_caution_below_percent: float = 92.0
    # Patient groups and racemic (off-label) exclusions
    adult_age_years: int = 18
    older_adult_age_years: int = 65
    racemic_current_psychosis_severity: Severity = Severity.CONTRAINDICATION
    racemic_uncontrolled_hypertension_severity: Severity = Severity.CONTRAINDICATION
    pregnancy_severity: Severity = Severity.CAUTION

    def __post_init__(self) -> None:
        doses: dict[str, float] = {}
        for drug, dose_mg in self.minimum_daily_dose_mg.items():
            if (
                isinstance(dose_mg, bool)
                or not isinstance(dose_mg, int | float)
                or not math.isfinite(dose_mg)
                or dose_mg <= 0
            ):
                raise PolicyError(f"minimum_daily_dose_mg[{drug!r}]: must be a number of mg above 0")
            name = normalize_drug_name(drug)
            if name in doses:
                raise PolicyError(f"minimum_daily_dose_mg[{drug!r}]: {name} is listed twice")
            doses[name] = dose_mg
        # Keys are looked up by normalized name; a read-only copy keeps the policy immutable.
        object.__setattr__(self, "minimum_daily_dose_mg", MappingProxyType(doses))
        _positive("minimum_trial_weeks", self.minimum_trial_weeks)
        if not 0 < self.failure_below_improvement_percent <= 100:
            raise PolicyError("failure_below_improvement_percent: must be above 0 and at most 100")
        _whole_at_least("trd_minimum_failed_trials", self.trd_minimum_failed_trials, 1)
        _whole_at_least(
            "esketamine_trial_maximum_failed_trials",
            self.esketamine_trial_maximum_failed_trials,
            self.trd_minimum_failed_trials,
        )
        for name in ("count_partial_adherence", "count_augmentation_trials", "require_trd_for_racemic"):
            if not isinstance(getattr(self, name), bool):
                raise PolicyError(f"{name}: must be true or false")
        for name in (
            "esketamine_bp_caution_systolic_mmhg",
            "esketamine_bp_caution_diastolic_mmhg",
            "racemic_bp_caution_systolic_mmhg",
            "racemic_bp_caution_diastolic_mmhg",
            "bp_hold_systolic_mmhg",
            "bp_hold_diastolic_mmhg",
            "heart_rate_caution_bpm",
            "adult_age_years",
            "older_adult_age_years",
        ):
            _whole_at_least(name, getattr(self, name), 1)
        for caution, hold in (
            ("esketamine_bp_caution_systolic_mmhg", "bp_hold_systolic_mmhg"),
            ("esketamine_bp_caution_diastolic_mmhg", "bp_hold_diastolic_mmhg"),
            ("racemic_bp_caution_systolic_mmhg", "bp_hold_systolic_mmhg"),
            ("racemic_bp_caution_diastolic_mmhg", "bp_hold_diastolic_mmhg"),
        ):
            if getattr(self, caution) > getattr(self, hold):
                raise PolicyError(f"{caution}: must not be above {hold} ({getattr(self, hold)})")
        if not 0 < self.spo2_caution_below_percent <= 100:
            raise PolicyError("spo2_caution_below_percent: must be above 0 and at most 100")
        for name in (
            "racemic_current_psychosis_severity",
            "racemic_uncontrolled_hypertension_severity",
            "pregnancy_severity",
        ):
            if not isinstance(getattr(self, name), Severity):
                raise PolicyError(f"{name}: must be one of {', '.join(s.value for s in Severity)}")

    @property
    def minimum_trial_days(self) -> float:
        return self.minimum_trial_weeks * 7

    def minimum_dose_mg(self, drug: str) -> float | None:
        return self.minimum_daily_dose_mg.get(normalize_drug_name(drug))


def _positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise PolicyError(f"{name}: must be a number above 0")


def _whole_at_least(name: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise PolicyError(f"{name}: must be a whole number of at least {minimum}")


_BP_LABEL = "Spravato US label §5.6: weigh delaying if BP >140/90 mmHg (CLINICAL.md §2)"
_BP_UNVERIFIED = (
    "UNVERIFIED: pre-treatment >140/90 → evaluate, often attributed to the APA consensus (Sanacora, "
    "JAMA Psychiatry 2017;74:399) but not found in its text; the verified 140/90 anchor is the esketamine "
    "label §5.6 (CLINICAL.md §1)"
)

POLICY_SOURCES: Mapping[str, str] = MappingProxyType(
    {
        "minimum_daily_dose_mg": MINIMUM_DOSE_SOURCE,
        "minimum_trial_weeks": (
            "CLINICAL.md §4: configurable minimum duration, default 6 weeks (MGH-ATRQ as commonly cited, "
            "UNVERIFIED); ATHF mode 4 weeks"
        ),
        "failure_below_improvement_percent": (
            "CLINICAL.md §4: MGH-ATRQ nonresponse = <50% improvement, commonly cited, UNVERIFIED; "
            "response = ≥50% reduction (CLINICAL.md §3)"
        ),
        "trd_minimum_failed_trials": (
            "CLINICAL.md §4: common TRD definition, inadequate response to ≥2 antidepressants of adequate "
            "dose and duration in the current episode"
        ),
        "esketamine_trial_maximum_failed_trials": (
            "CLINICAL.md §4: Spravato phase-3 eligibility, nonresponse to ≥2 but ≤5 oral antidepressants (MGH-ATRQ)"
        ),
        "count_partial_adherence": (
            "CLINICAL.md §4: ATHF subtracts 1 for non-adherence; whether partial adherence also disqualifies "
            "a trial is a clinic choice"
        ),
        "count_augmentation_trials": (
            "CLINICAL.md §4: the TRD definition counts antidepressant trials; counting an added (augmenting) "
            "drug as a trial of its own is a clinic choice"
        ),
        "require_trd_for_racemic": (
            "Clinic policy: racemic ketamine for depression is off-label (CLINICAL.md §1) and CANMAT places "
            "it third-line (Can J Psychiatry 2021;66:113); esketamine's US indication is TRD (CLINICAL.md §2)"
        ),
        "esketamine_bp_caution_systolic_mmhg": _BP_LABEL,
        "esketamine_bp_caution_diastolic_mmhg": _BP_LABEL,
        "racemic_bp_caution_systolic_mmhg": _BP_UNVERIFIED,
        "racemic_bp_caution_diastolic_mmhg": _BP_UNVERIFIED,
        "bp_hold_systolic_mmhg": (
            "UNVERIFIED: stop/hold if >180/100 mmHg, often attributed to the APA consensus but not found in "
            "its text (CLINICAL.md §1); applied here to the baseline as a clinic policy"
        ),
        "bp_hold_diastolic_mmhg": (
            "UNVERIFIED: stop/hold if >180/100 mmHg, often attributed to the APA consensus but not found in "
            "its text (CLINICAL.md §1); applied here to the baseline as a clinic policy"
        ),
        "heart_rate_caution_bpm": (
            "UNVERIFIED: stop/hold if HR >110 bpm, often attributed to the APA consensus but not found in "
            "its text (CLINICAL.md §1)"
        ),
        "spo2_caution_below_percent": (
            "UNVERIFIED clinic choice, no source in CLINICAL.md; pulse oximetry is required because of the "
            "respiratory-depression warning (Spravato label and REMS, CLINICAL.md §2)"
        ),
        "adult_age_years": "Spravato US indication: adults (CLINICAL.md §2)",
        "older_adult_age_years": (
            "Severe BP rises more frequent in older patients (Yale chart review, Gen Hosp Psychiatry 2024, "
            "CLINICAL.md §1); HK/EU-style esketamine label starts at 28 mg from age 65 (CLINICAL.md §2)"
        ),
        "racemic_current_psychosis_severity": (
            "APA consensus (Sanacora 2017, CLINICAL.md §1): attention to psychosis history; ELEKT-D enrolled "
            "non-psychotic patients (CLINICAL.md §7); exclusion is a clinic policy"
        ),
        "racemic_uncontrolled_hypertension_severity": (
            "APA consensus (CLINICAL.md §1): medical evaluation, clinician able to manage cardiovascular events; "
            "BP thresholds UNVERIFIED; exclusion is a clinic policy"
        ),
        "pregnancy_severity": (
            "Spravato US label warning: embryo-fetal toxicity — not in CLINICAL.md, UNVERIFIED here; racemic "
            "ketamine contains esketamine. Caution by default; a clinic may make it a contraindication"
        ),
    }
)

DEFAULT_POLICY = CandidacyPolicy()
