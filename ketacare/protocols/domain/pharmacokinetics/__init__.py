"""Predicted plasma ketamine concentration for a planned dose (CLINICAL.md §5).

Linear mammillary compartment models solved exactly. Every dose is an event (IV bolus, zero-order
IV infusion, or an extravascular dose reaching the central compartment through bioavailability F
and a first-order absorption rate ka); the model is linear, so the curve is the sum of the events'
exact responses, evaluated on a whole time grid at once and for a whole batch of patients at once.
No numerical integration, no time stepping.

One module per concern:
  inputs.py            units, plausibility bounds, PharmacokineticsError naming the field
  compartments.py      the model forms and their exact eigen-solution (Disposition)
  published_models.py  the published parameter sets with their sources; half-lives
  absorption.py        routes, bioavailability and absorption rates with their sources
  doses.py             dose events and regimens (mg/kg, esketamine devices)
  responses.py         one event's exact response per eigen-mode
  curve.py             PlasmaCurve (amounts, concentrations, peak, time below), predict()
  bands.py             published concentration–effect anchors

Units: amounts mg, volumes L, rate constants min⁻¹, times min from the start of the first dose;
mg/L = µg/mL, so concentrations are reported ×1000 in ng/mL.

Not medical advice: population averages from small studies of (mostly) anaesthesia doses, not a
prediction for one patient. docs/pharmacokinetics.md states the assumptions.
"""

from ketacare.protocols.domain.pharmacokinetics.absorption import (
    ABSORPTION_BY_ROUTE,
    IM_RACEMIC,
    INTRANASAL_ESKETAMINE,
    SUBLINGUAL_RACEMIC,
    Absorption,
    Route,
)
from ketacare.protocols.domain.pharmacokinetics.bands import CONCENTRATION_BANDS, ConcentrationBand
from ketacare.protocols.domain.pharmacokinetics.compartments import (
    ClearanceModel,
    CompartmentModel,
    Disposition,
    MicroconstantModel,
)
from ketacare.protocols.domain.pharmacokinetics.curve import (
    MAX_SEARCH_MIN,
    NG_PER_ML_PER_MG_PER_L,
    CurveSummary,
    PlasmaCurve,
    predict,
    predict_weight_based_infusion,
)
from ketacare.protocols.domain.pharmacokinetics.doses import (
    ESKETAMINE_DEVICE_INTERVAL_MIN,
    ESKETAMINE_MG_PER_DEVICE,
    DoseEvent,
    ExtravascularDose,
    IvBolus,
    IvInfusion,
    dose_mg_for_weight,
    esketamine_devices,
)
from ketacare.protocols.domain.pharmacokinetics.inputs import (
    MAX_INFUSION_MIN,
    MAX_WEIGHT_KG,
    FloatArray,
    PharmacokineticsError,
    check_weight_kg,
)
from ketacare.protocols.domain.pharmacokinetics.published_models import (
    CLEMENTS_NIMMO_1981,
    DOMINO_1984,
    ESKETAMINE_LABEL,
    KAMP_2020,
    MODELS,
    half_lives_min,
    model_by_key,
)

__all__ = [
    "ABSORPTION_BY_ROUTE",
    "CLEMENTS_NIMMO_1981",
    "CONCENTRATION_BANDS",
    "DOMINO_1984",
    "ESKETAMINE_DEVICE_INTERVAL_MIN",
    "ESKETAMINE_LABEL",
    "ESKETAMINE_MG_PER_DEVICE",
    "IM_RACEMIC",
    "INTRANASAL_ESKETAMINE",
    "KAMP_2020",
    "MAX_INFUSION_MIN",
    "MAX_SEARCH_MIN",
    "MAX_WEIGHT_KG",
    "MODELS",
    "NG_PER_ML_PER_MG_PER_L",
    "SUBLINGUAL_RACEMIC",
    "Absorption",
    "ClearanceModel",
    "CompartmentModel",
    "ConcentrationBand",
    "CurveSummary",
    "Disposition",
    "DoseEvent",
    "ExtravascularDose",
    "FloatArray",
    "IvBolus",
    "IvInfusion",
    "MicroconstantModel",
    "PharmacokineticsError",
    "PlasmaCurve",
    "Route",
    "check_weight_kg",
    "dose_mg_for_weight",
    "esketamine_devices",
    "half_lives_min",
    "model_by_key",
    "predict",
    "predict_weight_based_infusion",
]
