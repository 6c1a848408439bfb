"""The exact response of the compartments to one dose event, per eigen-mode of the disposition.

The model is linear, so a curve is the sum of its events' responses (curve.py); each is written
in closed form, evaluated on a whole time grid and a whole batch of patients at once: no
numerical integration, no time stepping.
"""

import numpy as np

from ketacare.protocols.domain.pharmacokinetics.doses import DoseEvent, IvBolus, IvInfusion
from ketacare.protocols.domain.pharmacokinetics.inputs import FloatArray


def exp_divided_difference(a: FloatArray, b: float, tau: FloatArray) -> FloatArray:
    """(e^{aτ} − e^{bτ}) / (a − b) for a, b ≤ 0 and τ ≥ 0, τ·e^{aτ} when a = b.

    Written as e^{max·τ}·τ·ψ(|a−b|τ) with ψ(y) = (1 − e^{−y})/y: no overflow,
    no cancellation, and continuous through a = b (ka equal to an eigenvalue).
    """
    spread = np.abs(a - b) * tau
    safe = np.where(spread > 0, spread, 1.0)
    psi = np.where(spread > 0, -np.expm1(-safe) / safe, 1.0)
    return np.exp(np.maximum(a, b) * tau) * tau * psi


def event_basis(
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
            return after * exp_divided_difference(rates, 0.0, inside), rate_mg_per_min
        running = given & (elapsed < event.duration_min)
        stopped = rates * after * exp_divided_difference(rates, 0.0, inside)
        return np.where(running, np.exp(rates * tau), np.where(given, stopped, 0.0)), rate_mg_per_min
    ka = event.absorption.absorption_rate_per_min
    absorbed = exp_divided_difference(rates, -ka, tau)
    if slope:
        absorbed = (np.exp(rates * tau) - ka * absorbed) * given
    return absorbed, event.absorption.bioavailability * event.dose_mg * ka
