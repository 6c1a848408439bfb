"""The compartment models and their exact solution (one weight-specific linear system per patient).

For a model with a central compartment (volume V1, elimination k10) and peripheral compartments
exchanging with it (k1j out, kj1 back), the amounts obey x' = A x. With d_j = sqrt(k1j / kj1)
the matrix D⁻¹AD is symmetric, so A is diagonalised by `eigh` with real eigenvalues λ_i < 0 and
the response of compartment j to a unit dose put into the central compartment is
Σ_i d_j U_ji U_0i e^{λ_i t}. The central coefficients are squares (U_0i²), so predicted
concentrations cannot go negative through rounding.

Two published forms: micro-constants with a weight-proportional V1, or volumes and clearances
for a reference weight (published_models.py holds the sets).
"""

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ketacare.protocols.domain.pharmacokinetics.inputs import (
    FloatArray,
    PharmacokineticsError,
    check_finite,
    check_positive,
)


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
            check_positive(f"{self.key}.{name}", getattr(self, name))
        if (self.k13_per_min is None) != (self.k31_per_min is None):
            raise PharmacokineticsError(f"{self.key}.k13_per_min", "and k31_per_min must both be given or both be None")
        if self.k13_per_min is not None and self.k31_per_min is not None:
            check_positive(f"{self.key}.k13_per_min", self.k13_per_min)
            check_positive(f"{self.key}.k31_per_min", self.k31_per_min)

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
            check_positive(f"{self.key}.{name}", getattr(self, name))
        check_finite(f"{self.key}.clearance_weight_exponent", self.clearance_weight_exponent)
        if len(self.peripheral_volumes_l) != len(self.intercompartmental_clearances_l_per_h):
            raise PharmacokineticsError(
                f"{self.key}.peripheral_volumes_l", "needs one intercompartmental clearance per peripheral volume"
            )
        for value in (*self.peripheral_volumes_l, *self.intercompartmental_clearances_l_per_h):
            check_positive(f"{self.key}.peripheral compartments", value)

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
