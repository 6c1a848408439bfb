"""Predicted plasma ketamine concentration for a planned dose (CLINICAL.md §5).

Linear mammillary compartment models solved exactly. For a model with a
central compartment (volume V1, elimination k10) and peripheral compartments
exchanging with it (k1j out, kj1 back), the amounts obey x' = A x. With
d_j = sqrt(k1j / kj1) the matrix D⁻¹AD is symmetric, so A is diagonalised by
`eigh` with real eigenvalues λ_i < 0 and the response of compartment j to a
unit dose put into the central compartment is Σ_i d_j U_ji U_0i e^{λ_i t}.
The central coefficients are squares (U_0i²), so predicted concentrations
cannot go negative through rounding.

Every dose is an event (IV bolus, zero-order IV infusion, or an extravascular
dose reaching the central compartment through bioavailability F and a
first-order absorption rate ka); the model is linear, so the curve is the sum
of the events' exact responses, evaluated on a whole time grid at once and for
a whole batch of patients at once. No numerical integration, no time stepping.

Units: amounts mg, volumes L, rate constants min⁻¹, times min from the start
of the first dose; mg/L = µg/mL, so concentrations are reported ×1000 in ng/mL.

Not medical advice: population averages from small studies of (mostly)
anaesthesia doses, not a prediction for one patient. docs/pharmacokinetics.md
states the assumptions.
"""

import copy
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

FloatArray = NDArray[np.float64]

NG_PER_ML_PER_MG_PER_L = 1000.0
# Plausibility bounds that catch typos (grams for kilograms, hours for
# minutes); they are not clinical limits.
MAX_WEIGHT_KG = 300.0
MAX_INFUSION_MIN = 24 * 60.0
# The threshold search gives up after this long; with the slowest terminal
# half-life here (esketamine label model, ~5.5 h) that is >100 half-lives.
MAX_SEARCH_MIN = 30 * 24 * 60.0
# Points per smooth piece of the curve when bracketing the peak and threshold
# crossings (evenly spaced, plus as many crowded towards the piece's start,
# where a dose's fast phases are); the brackets are then refined on the exact
# solution.
_SCAN_POINTS = 129
_SCAN_FIRST_STEP_MIN = 1e-3


class PharmacokineticsError(ValueError):
    """Impossible simulation input; `field` names the input in the caller's terms."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def _check_finite(field: str, value: float) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise PharmacokineticsError(field, f"must be a finite number, not {value!r}")
    return float(value)


def _check_positive(field: str, value: float) -> float:
    value = _check_finite(field, value)
    if value <= 0:
        raise PharmacokineticsError(field, f"must be more than 0, not {value:g}")
    return value


def check_weight_kg(weight_kg: float, field: str = "weight_kg") -> float:
    weight_kg = _check_finite(field, weight_kg)
    if not 0 < weight_kg <= MAX_WEIGHT_KG:
        raise PharmacokineticsError(field, f"must be more than 0 and at most {MAX_WEIGHT_KG:g} kg, not {weight_kg:g}")
    return weight_kg


def _check_dose_mg(field: str, dose_mg: float) -> float:
    dose_mg = _check_finite(field, dose_mg)
    if dose_mg < 0:
        raise PharmacokineticsError(field, f"cannot be negative, not {dose_mg:g}")
    return dose_mg


def _check_start_min(field: str, start_min: float) -> float:
    start_min = _check_finite(field, start_min)
    if start_min < 0:
        raise PharmacokineticsError(field, f"cannot be before time 0, not {start_min:g} min")
    return start_min


# ---------------------------------------------------------------------------
# Disposition: one weight-specific linear system (or a batch of them)


@dataclass(frozen=True)
class Disposition:
    """Central volume and micro-constants for a batch of B patients with P peripheral compartments."""

    central_volume_l: FloatArray  # (B,)
    k10_per_min: FloatArray  # (B,)
    k_to_peripheral_per_min: FloatArray  # (B, P): k12, k13
    k_from_peripheral_per_min: FloatArray  # (B, P): k21, k31

    def modes(self) -> tuple[FloatArray, FloatArray]:
        """Eigenvalues (B, n) < 0 and coefficients (B, n, n): amount in compartment j after a
        unit dose into the central compartment is Σ_i coefficients[b, j, i]·exp(eigenvalues[b, i]·t)."""
        batch, peripherals = self.k_to_peripheral_per_min.shape
        n = peripherals + 1
        k_out, k_back = self.k_to_peripheral_per_min, self.k_from_peripheral_per_min
        symmetric = np.zeros((batch, n, n))
        symmetric[:, 0, 0] = -(self.k10_per_min + k_out.sum(axis=1))
        exchange = np.sqrt(k_out * k_back)
        for j in range(1, n):
            symmetric[:, 0, j] = symmetric[:, j, 0] = exchange[:, j - 1]
            symmetric[:, j, j] = -k_back[:, j - 1]
        eigenvalues, vectors = np.linalg.eigh(symmetric)
        scale = np.concatenate([np.ones((batch, 1)), np.sqrt(k_out / k_back)], axis=1)
        coefficients = scale[:, :, None] * vectors * vectors[:, 0:1, :]
        return eigenvalues, coefficients

    def half_lives_min(self) -> FloatArray:
        """(B, n) disposition half-lives ln 2 / |λ|, shortest first."""
        eigenvalues, _ = self.modes()
        return np.sort(math.log(2) / -eigenvalues, axis=1)


class CompartmentModel(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def drug(self) -> str: ...
    @property
    def source(self) -> str: ...

    def disposition(self, weights_kg: FloatArray) -> Disposition: ...


@dataclass(frozen=True)
class MicroconstantModel:
    """A model published as a weight-proportional V1 and micro-constants (min⁻¹).

    Two-compartment models leave k13/k31 as None.
    """

    key: str
    name: str
    central_volume_l_per_kg: float
    k10_per_min: float
    k12_per_min: float
    k21_per_min: float
    k13_per_min: float | None
    k31_per_min: float | None
    source: str
    drug: str = "racemic ketamine"

    def __post_init__(self) -> None:
        for name in ("central_volume_l_per_kg", "k10_per_min", "k12_per_min", "k21_per_min"):
            _check_positive(f"{self.key}.{name}", getattr(self, name))
        if (self.k13_per_min is None) != (self.k31_per_min is None):
            raise PharmacokineticsError(f"{self.key}.k13_per_min", "and k31_per_min must both be given or both be None")
        if self.k13_per_min is not None and self.k31_per_min is not None:
            _check_positive(f"{self.key}.k13_per_min", self.k13_per_min)
            _check_positive(f"{self.key}.k31_per_min", self.k31_per_min)

    def disposition(self, weights_kg: FloatArray) -> Disposition:
        weights_kg = np.asarray(weights_kg, dtype=float)
        to_peripheral = [self.k12_per_min] + ([self.k13_per_min] if self.k13_per_min is not None else [])
        from_peripheral = [self.k21_per_min] + ([self.k31_per_min] if self.k31_per_min is not None else [])
        batch = weights_kg.shape[0]
        return Disposition(
            central_volume_l=self.central_volume_l_per_kg * weights_kg,
            k10_per_min=np.full(batch, self.k10_per_min),
            k_to_peripheral_per_min=np.tile(to_peripheral, (batch, 1)).astype(float),
            k_from_peripheral_per_min=np.tile(from_peripheral, (batch, 1)).astype(float),
        )


@dataclass(frozen=True)
class ClearanceModel:
    """A model published as volumes (L) and clearances (L/h) for a reference weight.

    Clearance CL is scaled by (weight / reference)^clearance_weight_exponent;
    volumes and intercompartmental clearances are used as given (that is how
    the Kamp set is transcribed; a clinic can change the exponent here).
    """

    key: str
    name: str
    central_volume_l: float
    clearance_l_per_h: float
    peripheral_volumes_l: tuple[float, ...]
    intercompartmental_clearances_l_per_h: tuple[float, ...]
    reference_weight_kg: float
    clearance_weight_exponent: float
    source: str
    drug: str = "racemic ketamine"

    def __post_init__(self) -> None:
        for name in ("central_volume_l", "clearance_l_per_h", "reference_weight_kg"):
            _check_positive(f"{self.key}.{name}", getattr(self, name))
        _check_finite(f"{self.key}.clearance_weight_exponent", self.clearance_weight_exponent)
        if len(self.peripheral_volumes_l) != len(self.intercompartmental_clearances_l_per_h):
            raise PharmacokineticsError(
                f"{self.key}.peripheral_volumes_l", "needs one intercompartmental clearance per peripheral volume"
            )
        for value in (*self.peripheral_volumes_l, *self.intercompartmental_clearances_l_per_h):
            _check_positive(f"{self.key}.peripheral compartments", value)

    def disposition(self, weights_kg: FloatArray) -> Disposition:
        weights_kg = np.asarray(weights_kg, dtype=float)
        batch = weights_kg.shape[0]
        clearance_l_per_min = (
            self.clearance_l_per_h / 60.0 * (weights_kg / self.reference_weight_kg) ** self.clearance_weight_exponent
        )
        q_l_per_min = np.array(self.intercompartmental_clearances_l_per_h, dtype=float) / 60.0
        peripheral_volumes_l = np.array(self.peripheral_volumes_l, dtype=float)
        return Disposition(
            central_volume_l=np.full(batch, self.central_volume_l),
            k10_per_min=clearance_l_per_min / self.central_volume_l,
            k_to_peripheral_per_min=np.tile(q_l_per_min / self.central_volume_l, (batch, 1)),
            k_from_peripheral_per_min=np.tile(q_l_per_min / peripheral_volumes_l, (batch, 1)),
        )


DOMINO_1984 = MicroconstantModel(
    key="domino",
    name="Domino 1984, three-compartment",
    central_volume_l_per_kg=0.063,
    k10_per_min=0.4381,
    k12_per_min=0.5921,
    k21_per_min=0.247,
    k13_per_min=0.590,
    k31_per_min=0.0146,
    source=(
        "Domino 1984 (PMID 7198883) as in opentiva/opentiva ketamine.py; same set cited to "
        "Sigtermans, Br J Anaesth 2007;98:615 Table 1 (CLINICAL.md §5)"
    ),
)

CLEMENTS_NIMMO_1981 = MicroconstantModel(
    key="clements",
    name="Clements & Nimmo 1981, two-compartment",
    central_volume_l_per_kg=1.7522,
    k10_per_min=0.0109,
    k12_per_min=0.0186,
    k21_per_min=0.0137,
    k13_per_min=None,
    k31_per_min=None,
    source="Clements & Nimmo 1981, 250 µg/kg bolus (PMID 7459184), as in opentiva ketamine.py (CLINICAL.md §5)",
)

KAMP_2020 = ClearanceModel(
    key="kamp",
    name="Kamp 2020, three-compartment",
    central_volume_l=25.0,
    clearance_l_per_h=84.0,
    peripheral_volumes_l=(56.0, 157.0),
    intercompartmental_clearances_l_per_h=(161.0, 79.0),
    reference_weight_kg=70.0,
    clearance_weight_exponent=0.75,
    source=(
        "Kamp 2020 (Anesthesiology 133:1192) three-compartment set as transcribed in open-source TCI code "
        "(models.ts, repository not identified) — UNVERIFIED: verify against the paper (CLINICAL.md §5)"
    ),
)

# One compartment with the label's steady-state volume: no distribution phase,
# so it will understate the early peak; an approximation, not a fitted model.
ESKETAMINE_LABEL = ClearanceModel(
    key="esketamine",
    name="Esketamine, one-compartment from label Vss and CL",
    central_volume_l=709.0,
    clearance_l_per_h=89.0,
    peripheral_volumes_l=(),
    intercompartmental_clearances_l_per_h=(),
    reference_weight_kg=70.0,
    clearance_weight_exponent=0.0,
    source=(
        "DERIVED one-compartment approximation from Spravato label Vss 709 L and CL ~89 L/h "
        "(butalbitalapap.org monograph copy, CLINICAL.md §5); popPK disagrees (Perez-Ruixo 2021: "
        "752 L, 114 L/h, three compartments); not weight-scaled (flat dosing)"
    ),
    drug="esketamine",
)

MODELS: dict[str, CompartmentModel] = {
    model.key: model for model in (DOMINO_1984, CLEMENTS_NIMMO_1981, KAMP_2020, ESKETAMINE_LABEL)
}


def model_by_key(key: str) -> CompartmentModel:
    try:
        return MODELS[key]
    except KeyError:
        raise PharmacokineticsError("model", f"{key!r} is not one of {', '.join(MODELS)}") from None


def half_lives_min(model: CompartmentModel, weight_kg: float = 70.0) -> tuple[float, ...]:
    """Disposition half-lives (min), shortest first — CLINICAL.md's DERIVED α/β/γ figures."""
    weights = np.array([check_weight_kg(weight_kg)])
    return tuple(float(h) for h in model.disposition(weights).half_lives_min()[0])


# ---------------------------------------------------------------------------
# Routes and dose events


class Route(StrEnum):
    IV = "iv"
    IM = "im"
    SUBLINGUAL = "sublingual"
    INTRANASAL = "intranasal"


@dataclass(frozen=True)
class Absorption:
    """An extravascular route: the fraction F reaching circulation enters the central
    compartment from a depot at first-order rate ka; the rest never does."""

    route: Route
    bioavailability: float
    absorption_rate_per_min: float
    source: str

    def __post_init__(self) -> None:
        bioavailability = _check_finite("bioavailability", self.bioavailability)
        if not 0 < bioavailability <= 1:
            raise PharmacokineticsError(
                "bioavailability", f"must be more than 0 and at most 1, not {bioavailability:g}"
            )
        _check_positive("absorption_rate_per_min", self.absorption_rate_per_min)


# The ka values are ASSUMED: no absorption rate was taken from a paper. Each is
# chosen so the model named in its source string peaks at the reported Tmax;
# tests/test_pharmacokinetics.py checks those claims.
IM_RACEMIC = Absorption(
    route=Route.IM,
    bioavailability=0.93,
    absorption_rate_per_min=0.25,
    source=(
        "F 0.93: Clements 1982 as quoted (hendrickstherapy.com/bioavailability; CLINICAL.md §1). "
        "ka 0.25/min ASSUMED/UNVERIFIED: puts the Clements-model peak at ~10 min, the middle of the "
        "5–15 min IM Tmax quoted by a secondary source (primidi.com/ketamine/pharmacokinetics)"
    ),
)
SUBLINGUAL_RACEMIC = Absorption(
    route=Route.SUBLINGUAL,
    bioavailability=0.29,
    absorption_rate_per_min=0.024,
    source=(
        "F 0.29 (90% CI 0.27–0.31): Rolan, Br J Clin Pharmacol 2014 (PMC4093926), wafer. "
        "ka 0.024/min ASSUMED/UNVERIFIED: puts the Clements-model peak at ~45 min, Rolan's median "
        "Tmax 0.75 h (range 0.25–1 h)"
    ),
)
INTRANASAL_ESKETAMINE = Absorption(
    route=Route.INTRANASAL,
    bioavailability=0.48,
    absorption_rate_per_min=0.143,
    source=(
        "F 0.48: Spravato label (CLINICAL.md §5; popPK 0.51–0.54). ka 0.143/min ASSUMED/UNVERIFIED: "
        "puts the one-compartment label-model peak at ~30 min after one device, the middle of the "
        "label's 20–40 min Tmax"
    ),
)
ABSORPTION_BY_ROUTE: dict[Route, Absorption] = {
    Route.IM: IM_RACEMIC,
    Route.SUBLINGUAL: SUBLINGUAL_RACEMIC,
    Route.INTRANASAL: INTRANASAL_ESKETAMINE,
}

# Spravato device: 28 mg per device, 5 min rest after each (label; CLINICAL.md §2).
ESKETAMINE_MG_PER_DEVICE = 28.0
ESKETAMINE_DEVICE_INTERVAL_MIN = 5.0


@dataclass(frozen=True)
class IvBolus:
    dose_mg: float
    start_min: float = 0.0

    def __post_init__(self) -> None:
        _check_dose_mg("dose_mg", self.dose_mg)
        _check_start_min("start_min", self.start_min)


@dataclass(frozen=True)
class IvInfusion:
    """Zero-order infusion: dose_mg at a constant rate over duration_min."""

    dose_mg: float
    duration_min: float
    start_min: float = 0.0

    def __post_init__(self) -> None:
        _check_dose_mg("dose_mg", self.dose_mg)
        duration_min = _check_finite("duration_min", self.duration_min)
        if not 0 < duration_min <= MAX_INFUSION_MIN:
            raise PharmacokineticsError(
                "duration_min", f"must be more than 0 and at most {MAX_INFUSION_MIN:g} min (24 h), not {duration_min:g}"
            )
        _check_start_min("start_min", self.start_min)


@dataclass(frozen=True)
class ExtravascularDose:
    """IM, sublingual or intranasal dose; dose_mg is the amount given, before bioavailability."""

    dose_mg: float
    absorption: Absorption
    start_min: float = 0.0

    def __post_init__(self) -> None:
        _check_dose_mg("dose_mg", self.dose_mg)
        _check_start_min("start_min", self.start_min)


DoseEvent = IvBolus | IvInfusion | ExtravascularDose


def dose_mg_for_weight(weight_kg: float, dose_mg_per_kg: float) -> float:
    weight_kg = check_weight_kg(weight_kg)
    return weight_kg * _check_dose_mg("dose_mg_per_kg", dose_mg_per_kg)


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
    _check_start_min("interval_min", interval_min)
    return tuple(
        ExtravascularDose(dose_mg=mg_per_device, absorption=absorption, start_min=start_min + i * interval_min)
        for i in range(device_count)
    )


# ---------------------------------------------------------------------------
# Exact responses


def _exp_divided_difference(a: FloatArray, b: float, tau: FloatArray) -> FloatArray:
    """(e^{aτ} − e^{bτ}) / (a − b) for a, b ≤ 0 and τ ≥ 0, τ·e^{aτ} when a = b.

    Written as e^{max·τ}·τ·ψ(|a−b|τ) with ψ(y) = (1 − e^{−y})/y: no overflow,
    no cancellation, and continuous through a = b (ka equal to an eigenvalue).
    """
    spread = np.abs(a - b) * tau
    safe = np.where(spread > 0, spread, 1.0)
    psi = np.where(spread > 0, -np.expm1(-safe) / safe, 1.0)
    return np.exp(np.maximum(a, b) * tau) * tau * psi


def _event_basis(
    eigenvalues: FloatArray, event: DoseEvent, times_min: FloatArray, *, slope: bool = False
) -> tuple[FloatArray, float]:
    """Per-mode time functions (B, n, T) for one event and the mg (or mg/min) that multiplies them.

    With slope=True, their time derivatives, taken from the right at a kink
    (the start or end of a dose), so a root of the slope is a smooth maximum.
    """
    elapsed = times_min - event.start_min
    given = elapsed >= 0  # a dose counts from its own start time on
    tau = np.where(given, elapsed, 0.0)[None, None, :]
    rates = eigenvalues[:, :, None]
    if isinstance(event, IvBolus):
        basis = np.exp(rates * tau) * given
        return (rates * basis if slope else basis), event.dose_mg
    if isinstance(event, IvInfusion):
        # ∫ over the infusion so far, written as a product so the tail has no cancellation.
        inside = np.minimum(tau, event.duration_min)
        after = np.exp(rates * (tau - inside))
        rate_mg_per_min = event.dose_mg / event.duration_min
        if not slope:
            return after * _exp_divided_difference(rates, 0.0, inside), rate_mg_per_min
        running = given & (elapsed < event.duration_min)
        stopped = rates * after * _exp_divided_difference(rates, 0.0, inside)
        return np.where(running, np.exp(rates * tau), np.where(given, stopped, 0.0)), rate_mg_per_min
    ka = event.absorption.absorption_rate_per_min
    absorbed = _exp_divided_difference(rates, -ka, tau)
    if slope:
        absorbed = (np.exp(rates * tau) - ka * absorbed) * given
    return absorbed, event.absorption.bioavailability * event.dose_mg * ka


def _scan_grid(left: float, right: float) -> FloatArray:
    span = right - left
    if span < _SCAN_FIRST_STEP_MIN:
        return np.array([left, right])
    crowded = left + np.geomspace(min(_SCAN_FIRST_STEP_MIN, span / _SCAN_POINTS), span, _SCAN_POINTS)
    return np.unique(np.concatenate([np.linspace(left, right, _SCAN_POINTS), crowded[:-1]]))


def _breakpoints(events: Sequence[DoseEvent]) -> list[float]:
    points = {0.0}
    for event in events:
        points.add(event.start_min)
        if isinstance(event, IvInfusion):
            points.add(event.start_min + event.duration_min)
    return sorted(points)


@dataclass(frozen=True)
class CurveSummary:
    peak_ng_per_ml: float
    time_of_peak_min: float
    threshold_ng_per_ml: float | None = None
    # None: the curve never reaches the threshold (or stays above it for MAX_SEARCH_MIN).
    time_below_min: float | None = None


class PlasmaCurve:
    """The exact predicted curve for a batch of patients given the same dose events.

    Dose amounts scale per patient by `dose_scale` (B,), so one curve object
    covers e.g. 0.5 mg/kg for many weights: linearity makes that exact.
    """

    def __init__(
        self,
        model: CompartmentModel,
        weights_kg: ArrayLike,
        events: Sequence[DoseEvent],
        dose_scale: ArrayLike | None = None,
    ) -> None:
        weights = np.atleast_1d(np.asarray(weights_kg, dtype=float))
        if weights.ndim != 1 or weights.size == 0:
            raise PharmacokineticsError("weight_kg", "must be one weight or a flat list of weights")
        if not np.all(np.isfinite(weights)) or np.any(weights <= 0) or np.any(weights > MAX_WEIGHT_KG):
            bad = weights[~(np.isfinite(weights) & (weights > 0) & (weights <= MAX_WEIGHT_KG))][0]
            check_weight_kg(float(bad))  # raises, naming the first impossible weight
        if not events:
            raise PharmacokineticsError("doses", "need at least one dose event")
        scale = np.ones_like(weights)
        if dose_scale is not None:
            scale = np.broadcast_to(np.asarray(dose_scale, dtype=float), weights.shape)
        if not np.all(np.isfinite(scale)) or np.any(scale < 0):
            raise PharmacokineticsError("dose_scale", "must be finite and not negative")
        self.model = model
        self.weights_kg = weights
        self.events = tuple(events)
        self.dose_scale = np.array(scale)
        self.disposition = model.disposition(weights)
        self.eigenvalues, self.coefficients = self.disposition.modes()

    def amounts_mg(self, times_min: ArrayLike) -> FloatArray:
        """(B, n, T) mg in each compartment (central first); the absorption depot is not included."""
        times = self._times(times_min)
        total = np.zeros((self.weights_kg.size, self.coefficients.shape[1], times.size))
        for event in self.events:
            basis, mg = _event_basis(self.eigenvalues, event, times)
            total += (mg * self.dose_scale)[:, None, None] * np.einsum("bjn,bnt->bjt", self.coefficients, basis)
        return total

    def depot_mg(self, times_min: ArrayLike) -> FloatArray:
        """(B, T) bioavailable mg still waiting to be absorbed (zero for IV doses)."""
        times = self._times(times_min)
        waiting = np.zeros(times.size)
        for event in self.events:
            if isinstance(event, ExtravascularDose):
                tau = times - event.start_min
                decay = np.exp(-event.absorption.absorption_rate_per_min * np.where(tau > 0, tau, 0.0))
                waiting += np.where(tau >= 0, event.absorption.bioavailability * event.dose_mg * decay, 0.0)
        return self.dose_scale[:, None] * waiting[None, :]

    def concentrations_ng_per_ml(self, times_min: ArrayLike) -> FloatArray:
        """(B, T) central (plasma) concentration."""
        return self._central(times_min, slope=False)

    def slopes_ng_per_ml_per_min(self, times_min: ArrayLike) -> FloatArray:
        """(B, T) rate of change of the concentration (right-hand derivative at a kink)."""
        return self._central(times_min, slope=True)

    def _central(self, times_min: ArrayLike, *, slope: bool) -> FloatArray:
        times = self._times(times_min)
        central = np.zeros((self.weights_kg.size, times.size))
        central_coefficients = self.coefficients[:, 0, :]
        for event in self.events:
            basis, mg = _event_basis(self.eigenvalues, event, times, slope=slope)
            central += (mg * self.dose_scale)[:, None] * np.einsum("bn,bnt->bt", central_coefficients, basis)
        return central / self.disposition.central_volume_l[:, None] * NG_PER_ML_PER_MG_PER_L

    def bioavailable_dose_mg(self, until_min: float) -> FloatArray:
        """(B,) mg that has entered the body (central or depot) by `until_min`."""
        given = 0.0
        for event in self.events:
            elapsed = until_min - event.start_min
            if isinstance(event, IvInfusion):
                given += event.dose_mg * min(max(elapsed, 0.0), event.duration_min) / event.duration_min
            elif elapsed >= 0:
                fraction = event.absorption.bioavailability if isinstance(event, ExtravascularDose) else 1.0
                given += fraction * event.dose_mg
        return self.dose_scale * given

    # Summaries are per patient: root finding runs on one patient's exact curve.

    def summary(self, threshold_ng_per_ml: float | None = None, patient: int = 0) -> CurveSummary:
        one = self._single(patient)
        time_of_peak, peak = one._peak()
        if threshold_ng_per_ml is None:
            return CurveSummary(peak_ng_per_ml=peak, time_of_peak_min=time_of_peak)
        threshold = _check_positive("threshold_ng_per_ml", threshold_ng_per_ml)
        return CurveSummary(
            peak_ng_per_ml=peak,
            time_of_peak_min=time_of_peak,
            threshold_ng_per_ml=threshold,
            time_below_min=one._time_below(time_of_peak, peak, threshold),
        )

    def _single(self, patient: int) -> "PlasmaCurve":
        """The same curve for one patient of the batch, without recomputing its modes."""
        if not 0 <= patient < self.weights_kg.size:
            raise PharmacokineticsError("patient", f"must be 0 to {self.weights_kg.size - 1}, not {patient}")
        if self.weights_kg.size == 1:
            return self
        pick = slice(patient, patient + 1)
        one = copy.copy(self)
        one.weights_kg, one.dose_scale = self.weights_kg[pick], self.dose_scale[pick]
        one.eigenvalues, one.coefficients = self.eigenvalues[pick], self.coefficients[pick]
        one.disposition = Disposition(
            central_volume_l=self.disposition.central_volume_l[pick],
            k10_per_min=self.disposition.k10_per_min[pick],
            k_to_peripheral_per_min=self.disposition.k_to_peripheral_per_min[pick],
            k_from_peripheral_per_min=self.disposition.k_from_peripheral_per_min[pick],
        )
        return one

    def _times(self, times_min: ArrayLike) -> FloatArray:
        times = np.atleast_1d(np.asarray(times_min, dtype=float))
        if times.ndim != 1 or not np.all(np.isfinite(times)):
            raise PharmacokineticsError("times_min", "must be a flat list of finite times")
        return times

    def _at(self, *, slope: bool = False) -> Callable[[float], float]:
        return lambda t: float(self._central(np.array([t]), slope=slope)[0, 0])

    def _pieces(self, start_min: float) -> Iterable[tuple[float, float]]:
        """Consecutive intervals from `start_min` on with no dose event inside any of them:
        up to each event, then windows doubling in length up to MAX_SEARCH_MIN."""
        points = [p for p in _breakpoints(self.events) if p > start_min]
        edges = [start_min, *points]
        yield from zip(edges, edges[1:], strict=False)
        # After the last event the curve is smooth; absorption can still push it up for a few
        # 1/ka, so the first window covers that, and windows double after it.
        slowest_absorption = min(
            (e.absorption.absorption_rate_per_min for e in self.events if isinstance(e, ExtravascularDose)),
            default=None,
        )
        window = 60.0 if slowest_absorption is None else max(60.0, 10.0 / slowest_absorption)
        left = edges[-1]
        while left < MAX_SEARCH_MIN:
            right = min(left + window, MAX_SEARCH_MIN)
            yield left, right
            left, window = right, window * 2

    def _peak(self) -> tuple[float, float]:
        slope = self._at(slope=True)
        best_time, best = 0.0, -1.0
        for left, right in self._pieces(0.0):
            grid = _scan_grid(left, right)
            values = self.concentrations_ng_per_ml(grid)[0]
            i = int(np.argmax(values))
            if values[i] > best:
                best_time, best = float(grid[i]), float(values[i])
            # Inside a piece the curve is smooth: a maximum between samples is a root of the
            # exact slope. At the piece's right end the slope is taken just inside the piece;
            # a maximum on a kink (the end of an infusion) is the sample itself.
            low = grid[max(i - 1, 0)]
            high = grid[min(i + 1, grid.size - 1)]
            high_inside = np.nextafter(high, low) if high == right else high
            if low < high_inside and slope(low) > 0 > slope(high_inside):
                time = brentq(slope, low, high_inside, xtol=1e-12, rtol=4 * np.finfo(float).eps)
                value = self._at()(time)
                if value > best:
                    best_time, best = float(time), value
        return best_time, best

    def _time_below(self, time_of_peak: float, peak: float, threshold: float) -> float | None:
        if peak < threshold:
            return None
        one = self._at()
        for left, right in self._pieces(time_of_peak):
            grid = _scan_grid(left, right)
            below = np.flatnonzero(self.concentrations_ng_per_ml(grid)[0] < threshold)
            if below.size:
                i = int(below[0])
                if i == 0:  # a peak equal to the threshold, read a rounding error lower on the grid
                    return float(grid[0])
                return float(brentq(lambda t: one(t) - threshold, grid[i - 1], grid[i], xtol=1e-9, rtol=1e-12))
        return None


def predict(
    model: CompartmentModel,
    weight_kg: float,
    events: Sequence[DoseEvent],
) -> PlasmaCurve:
    """The exact curve for one patient."""
    return PlasmaCurve(model, [check_weight_kg(weight_kg)], events)


def predict_weight_based_infusion(
    model: CompartmentModel,
    weights_kg: ArrayLike,
    dose_mg_per_kg: float,
    duration_min: float,
) -> PlasmaCurve:
    """The same mg/kg infusion for a batch of weights (one curve per weight)."""
    dose_mg_per_kg = _check_dose_mg("dose_mg_per_kg", dose_mg_per_kg)
    weights = np.atleast_1d(np.asarray(weights_kg, dtype=float))
    return PlasmaCurve(model, weights, [IvInfusion(dose_mg=dose_mg_per_kg, duration_min=duration_min)], weights)


# ---------------------------------------------------------------------------
# Published concentration–effect anchors


@dataclass(frozen=True)
class ConcentrationBand:
    """A plasma concentration associated with an effect. `high` None: open-ended or a single value."""

    key: str
    label: str
    low_ng_per_ml: float
    high_ng_per_ml: float | None
    context: str
    source: str


_ZANOS = "Zanos, Pharmacol Rev 2018;70:621, Table 1 (PMC6020109)"

CONCENTRATION_BANDS: tuple[ConcentrationBand, ...] = (
    ConcentrationBand(
        key="analgesia", label="Analgesia", low_ng_per_ml=70.0, high_ng_per_ml=160.0,
        context="0.15 mg/kg IV", source=_ZANOS,
    ),
    ConcentrationBand(
        key="dissociation", label="Dissociation", low_ng_per_ml=100.0, high_ng_per_ml=250.0,
        context="0.5 mg/kg over 40 min", source=f"Krystal 1994 via {_ZANOS}",
    ),
    ConcentrationBand(
        key="antidepressant", label="Antidepressant (reported level)", low_ng_per_ml=185.0, high_ng_per_ml=None,
        context="0.5 mg/kg over 40 min; a single reported value (0.78 µM), not a range or a target",
        source=f"Zarate 2006 via {_ZANOS}",
    ),
    ConcentrationBand(
        key="anaesthesia", label="Anaesthesia", low_ng_per_ml=1200.0, high_ng_per_ml=2400.0,
        context="1–2 mg/kg IV; at or above 1200 ng/mL (5–10 µM)", source=_ZANOS,
    ),
)
