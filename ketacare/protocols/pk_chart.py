"""The predicted-concentration chart on the plan page: numbers for a server-rendered SVG.

The curve comes from domain/pharmacokinetics/; this module only maps it to pixels. The
template draws it (templates/protocols/_pk_chart.html), so there is no JavaScript and no HTML
built in Python.
"""

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from ketacare.protocols.domain.pharmacokinetics import (
    ABSORPTION_BY_ROUTE,
    CLEMENTS_NIMMO_1981,
    CONCENTRATION_BANDS,
    DOMINO_1984,
    ESKETAMINE_LABEL,
    ESKETAMINE_MG_PER_DEVICE,
    CompartmentModel,
    DoseEvent,
    ExtravascularDose,
    IvInfusion,
    Route,
    esketamine_devices,
    predict,
)

# Racemic models offered on the page (docs/pharmacokinetics.md); Domino is the default.
RACEMIC_MODELS: dict[str, CompartmentModel] = {"domino": DOMINO_1984, "clements": CLEMENTS_NIMMO_1981}
SHOWN_BANDS = ("dissociation", "antidepressant", "anaesthesia")
# Spravato label, TRD induction day 1 (CLINICAL.md §2).
ESKETAMINE_FIRST_DOSE_MG = 56
HORIZON_MIN = 240
STEP_MIN = 2
WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 36
_ROUTES = {"iv": Route.IV, "im": Route.IM, "sublingual": Route.SUBLINGUAL, "intranasal_esketamine": Route.INTRANASAL}


@dataclass(frozen=True)
class Band:
    label: str
    y: float
    height: float  # 0: a single reported value, drawn as a line
    source: str


@dataclass(frozen=True)
class Tick:
    value: int
    position: float


@dataclass(frozen=True)
class PkChart:
    model_key: str
    model_name: str
    model_source: str
    dose_mg: float
    weight_kg: float
    peak_ng_per_ml: float
    time_of_peak_min: float
    points: str  # the SVG polyline "x,y x,y ..."
    bands: list[Band]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: int = HEIGHT - BOTTOM
    right_x: int = WIDTH - RIGHT
    plot_width: int = WIDTH - LEFT - RIGHT


def _events(route: str, dose_mg: float, infusion_min: int | None) -> list[DoseEvent]:
    pk_route = _ROUTES[route]
    if pk_route == Route.IV:
        return [IvInfusion(dose_mg=dose_mg, duration_min=float(infusion_min or 40))]
    if pk_route == Route.INTRANASAL:
        return list(esketamine_devices(max(1, round(dose_mg / ESKETAMINE_MG_PER_DEVICE))))
    return [ExtravascularDose(dose_mg=dose_mg, absorption=ABSORPTION_BY_ROUTE[pk_route])]


def _nice_step(top: float) -> int:
    for step in (25, 50, 100, 250, 500, 1000, 2500):
        if top / step <= 6:
            return step
    return 5000


def build_pk_chart(
    *, route: str, dose_mg: Decimal, weight_kg: Decimal, infusion_min: int | None, model_key: str = "domino"
) -> PkChart:
    """The chart for one planned dose; esketamine always uses the label-derived model."""
    if route == "intranasal_esketamine":
        model_key, model = "esketamine", ESKETAMINE_LABEL
    else:
        model_key = model_key if model_key in RACEMIC_MODELS else "domino"
        model = RACEMIC_MODELS[model_key]
    curve = predict(model, float(weight_kg), _events(route, float(dose_mg), infusion_min))
    times = np.arange(0, HORIZON_MIN + STEP_MIN, STEP_MIN, dtype=float)
    values = curve.concentrations_ng_per_ml(times)[0]
    summary = curve.summary()
    shown = [b for b in CONCENTRATION_BANDS if b.key in SHOWN_BANDS]
    # The y axis covers the curve and the bands near it; anaesthesia only when the curve gets close.
    top = max(summary.peak_ng_per_ml * 1.15, 300.0)
    step = _nice_step(top)
    top = float(step * np.ceil(top / step))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: float) -> float:
        return float(LEFT + t / HORIZON_MIN * plot_w)

    def y(c: float) -> float:
        return float(TOP + plot_h * (1 - min(c, top) / top))

    bands = []
    for band in shown:
        if band.low_ng_per_ml >= top:
            continue
        high = band.high_ng_per_ml if band.high_ng_per_ml is not None else band.low_ng_per_ml
        bands.append(
            Band(
                label=f"{band.label}: {band.low_ng_per_ml:g}"
                + (f"–{high:g}" if high != band.low_ng_per_ml else "")
                + " ng/mL",
                y=round(y(high), 1),
                height=round(y(band.low_ng_per_ml) - y(high), 1),
                source=band.source,
            )
        )
    return PkChart(
        model_key=model_key,
        model_name=model.name,
        model_source=model.source,
        dose_mg=float(dose_mg),
        weight_kg=float(weight_kg),
        peak_ng_per_ml=round(summary.peak_ng_per_ml, 1),
        time_of_peak_min=round(summary.time_of_peak_min, 1),
        points=" ".join(f"{x(t):.1f},{y(c):.1f}" for t, c in zip(times, values, strict=True)),
        bands=bands,
        x_ticks=[Tick(t, round(x(t), 1)) for t in range(0, HORIZON_MIN + 1, 30)],
        y_ticks=[Tick(int(c), round(y(c), 1)) for c in range(0, int(top) + 1, step)],
    )
