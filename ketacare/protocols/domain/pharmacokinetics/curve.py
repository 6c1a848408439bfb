"""The predicted plasma curve for a batch of patients, and its summaries (peak, time below a
threshold) found by bracketing on a grid and refining on the exact solution."""

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq

from ketacare.protocols.domain.pharmacokinetics.compartments import CompartmentModel, Disposition
from ketacare.protocols.domain.pharmacokinetics.doses import DoseEvent, ExtravascularDose, IvInfusion
from ketacare.protocols.domain.pharmacokinetics.inputs import (
    MAX_WEIGHT_KG,
    FloatArray,
    PharmacokineticsError,
    check_dose_mg,
    check_positive,
    check_weight_kg,
)
from ketacare.protocols.domain.pharmacokinetics.responses import event_basis

# mg/L = µg/mL, so concentrations are reported ×1000 in ng/mL.
NG_PER_ML_PER_MG_PER_L = 1000.0
# The threshold search gives up after this long; with the slowest terminal
# half-life here (esketamine label model, ~5.5 h) that is >100 half-lives.
MAX_SEARCH_MIN = 30 * 24 * 60.0
# Points per smooth piece of the curve when bracketing the peak and threshold
# crossings (evenly spaced, plus as many crowded towards the piece's start,
# where a dose's fast phases are); the brackets are then refined on the exact
# solution.
_SCAN_POINTS = 129
_SCAN_FIRST_STEP_MIN = 1e-3


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
            basis, mg = event_basis(self.eigenvalues, event, times)
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
            basis, mg = event_basis(self.eigenvalues, event, times, slope=slope)
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
        threshold = check_positive("threshold_ng_per_ml", threshold_ng_per_ml)
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
    dose_mg_per_kg = check_dose_mg("dose_mg_per_kg", dose_mg_per_kg)
    weights = np.atleast_1d(np.asarray(weights_kg, dtype=float))
    return PlasmaCurve(model, weights, [IvInfusion(dose_mg=dose_mg_per_kg, duration_min=duration_min)], weights)
