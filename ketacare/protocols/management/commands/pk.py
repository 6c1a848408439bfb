"""`ketacare pk simulate`: the predicted plasma curve for a planned ketamine dose.

No database: the command only runs the pure model in protocols/domain/pharmacokinetics/.
"""

import json

import numpy as np
from django.core.management.base import BaseCommand

from ketacare.lib.commands import fail
from ketacare.protocols.domain.pharmacokinetics import (
    ABSORPTION_BY_ROUTE,
    CLEMENTS_NIMMO_1981,
    DOMINO_1984,
    KAMP_2020,
    DoseEvent,
    ExtravascularDose,
    IvInfusion,
    PharmacokineticsError,
    Route,
    dose_mg_for_weight,
    model_by_key,
    predict,
)

# Racemic-ketamine models only: the esketamine label model is for the nasal spray.
CLI_MODELS = [DOMINO_1984.key, CLEMENTS_NIMMO_1981.key, KAMP_2020.key]
CLI_ROUTES = [Route.IV.value, Route.IM.value, Route.SUBLINGUAL.value]
CURVE_STEP_MIN = 5.0
MAX_HORIZON_MIN = 7 * 24 * 60.0

# Domain field names -> the option a person typed.
OPTION_FOR_FIELD = {
    "model": "--model",
    "weight_kg": "--weight-kg",
    "dose_mg_per_kg": "--dose-mg-per-kg",
    "dose_mg": "--dose-mg-per-kg",
    "duration_min": "--infusion-min",
    "threshold_ng_per_ml": "--below",
}


class Command(BaseCommand):
    help = "Pharmacokinetic simulation. `pk simulate` predicts plasma ketamine over time for a planned dose."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        simulate = sub.add_parser(
            "simulate",
            help="Predicted plasma concentration (ng/mL) after a weight-based dose",
            description=(
                "Population-model prediction, not a measurement: see docs/pharmacokinetics.md for the "
                "models, sources and assumptions."
            ),
        )
        simulate.add_argument("--model", required=True, choices=CLI_MODELS)
        simulate.add_argument("--weight-kg", required=True, type=float)
        simulate.add_argument("--dose-mg-per-kg", required=True, type=float)
        simulate.add_argument(
            "--route",
            default=Route.IV.value,
            choices=CLI_ROUTES,
            help="iv: zero-order infusion over --infusion-min; im/sublingual: given at once, "
            "absorbed first-order (default iv)",
        )
        simulate.add_argument("--infusion-min", type=float, help="infusion duration in minutes (route iv only)")
        simulate.add_argument(
            "--below",
            type=float,
            metavar="NG_PER_ML",
            help="also report when the concentration falls below this after the peak",
        )
        simulate.add_argument(
            "--horizon-min", type=float, default=240.0, help="length of the printed curve in minutes (default 240)"
        )
        simulate.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, subcommand: str, **options):
        route = Route(options["route"])
        infusion_min = options["infusion_min"]
        if route is Route.IV and infusion_min is None:
            fail("--infusion-min is required with --route iv")
        if route is not Route.IV and infusion_min is not None:
            fail(f"--infusion-min applies to --route iv only; a {route} dose is given at once")
        horizon_min = options["horizon_min"]
        if not (0 < horizon_min <= MAX_HORIZON_MIN):
            fail(f"--horizon-min must be more than 0 and at most {MAX_HORIZON_MIN:g}, not {horizon_min:g}")

        try:
            model = model_by_key(options["model"])
            dose_mg = dose_mg_for_weight(options["weight_kg"], options["dose_mg_per_kg"])
            event: DoseEvent
            if route is Route.IV:
                event = IvInfusion(dose_mg=dose_mg, duration_min=infusion_min)
            else:
                event = ExtravascularDose(dose_mg=dose_mg, absorption=ABSORPTION_BY_ROUTE[route])
            curve = predict(model, options["weight_kg"], [event])
            summary = curve.summary(options["below"])
        except PharmacokineticsError as exc:
            fail(f"{OPTION_FOR_FIELD.get(exc.field, exc.field)}: {exc.problem}")

        times = np.arange(0.0, horizon_min + 1e-9, CURVE_STEP_MIN)
        if times[-1] < horizon_min:
            times = np.append(times, horizon_min)
        values = curve.concentrations_ng_per_ml(times)[0]
        result = {
            "model": model.key,
            "model_name": model.name,
            "model_source": model.source,
            "route": route.value,
            "weight_kg": options["weight_kg"],
            "dose_mg_per_kg": options["dose_mg_per_kg"],
            "dose_mg": round(dose_mg, 3),
            "infusion_min": infusion_min,
            "peak_ng_per_ml": round(summary.peak_ng_per_ml, 3),
            "time_of_peak_min": round(summary.time_of_peak_min, 3),
        }
        if route is not Route.IV:
            absorption = ABSORPTION_BY_ROUTE[route]
            result["bioavailability"] = absorption.bioavailability
            result["absorption_rate_per_min"] = absorption.absorption_rate_per_min
            result["absorption_source"] = absorption.source
        if summary.threshold_ng_per_ml is not None:
            result["below_ng_per_ml"] = summary.threshold_ng_per_ml
            result["time_below_min"] = None if summary.time_below_min is None else round(summary.time_below_min, 3)
        result["horizon_min"] = horizon_min
        result["curve"] = [[round(float(t), 3), round(float(c), 3)] for t, c in zip(times, values, strict=True)]

        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(self._text(result))

    def _text(self, result: dict) -> str:
        how = f"IV over {result['infusion_min']:g} min" if result["route"] == Route.IV else f"{result['route']}"
        lines = [
            f"model: {result['model_name']} ({result['model_source']})",
            f"dose: {result['dose_mg']:g} mg {how} ({result['weight_kg']:g} kg × {result['dose_mg_per_kg']:g} mg/kg)",
            f"peak: {result['peak_ng_per_ml']:.1f} ng/mL at {result['time_of_peak_min']:.1f} min from the start",
        ]
        if "below_ng_per_ml" in result:
            when = result["time_below_min"]
            lines.append(
                f"below {result['below_ng_per_ml']:g} ng/mL: "
                + ("never reaches it" if when is None else f"at {when:.1f} min from the start")
            )
        lines.append("predicted by a population model, not measured; see docs/pharmacokinetics.md")
        return "\n".join(lines)
