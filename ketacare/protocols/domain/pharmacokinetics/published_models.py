"""The published compartment-model parameter sets, each with its source (CLINICAL.md §5)."""

import numpy as np

from ketacare.protocols.domain.pharmacokinetics.compartments import (
    ClearanceModel,
    CompartmentModel,
    MicroconstantModel,
)
from ketacare.protocols.domain.pharmacokinetics.inputs import PharmacokineticsError, check_weight_kg

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
