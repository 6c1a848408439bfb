"""Benchmark: predicted plasma curves for a batch of patients.

    python bench/pk_simulate.py [--curves 10000] [--summaries 300] [--repeat 5] [--seed 7]

For each racemic model it simulates 0.5 mg/kg over 40 min for `--curves`
random weights (40–150 kg) in one vectorised batch, on a 5-minute grid to
240 min (49 points), and prints the time per curve (best of `--repeat`). It
then times the per-patient summary (peak refined on the exact curve and the
time below 100 ng/mL by root finding), which runs one patient at a time.
No database and no Django: the pure domain module only.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ketacare.protocols.domain.pharmacokinetics import (  # noqa: E402
    CLEMENTS_NIMMO_1981,
    DOMINO_1984,
    KAMP_2020,
    predict_weight_based_infusion,
)

MODELS = (DOMINO_1984, CLEMENTS_NIMMO_1981, KAMP_2020)
DOSE_MG_PER_KG = 0.5
INFUSION_MIN = 40.0
TIMES_MIN = np.arange(0.0, 241.0, 5.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--curves", type=int, default=10_000)
    parser.add_argument("--summaries", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    weights_kg = np.random.default_rng(args.seed).uniform(40.0, 150.0, args.curves)

    print(f"{args.curves} curves, {TIMES_MIN.size} time points each, 0.5 mg/kg over 40 min")
    for model in MODELS:
        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            curve = predict_weight_based_infusion(model, weights_kg, DOSE_MG_PER_KG, INFUSION_MIN)
            concentrations = curve.concentrations_ng_per_ml(TIMES_MIN)
            timings.append(time.perf_counter() - started)
        best = min(timings)
        print(
            f"  {model.key:<9} batch {best * 1e3:8.1f} ms   {best / args.curves * 1e6:6.2f} µs per curve   "
            f"median peak {np.median(concentrations.max(axis=1)):6.1f} ng/mL"
        )

    print(f"\n{args.summaries} per-patient summaries (peak + time below 100 ng/mL)")
    for model in MODELS:
        curve = predict_weight_based_infusion(model, weights_kg[: args.summaries], DOSE_MG_PER_KG, INFUSION_MIN)
        started = time.perf_counter()
        below = [curve.summary(100.0, patient=i).time_below_min for i in range(args.summaries)]
        elapsed = time.perf_counter() - started
        print(
            f"  {model.key:<9} {elapsed / args.summaries * 1e6:8.0f} µs per summary   "
            f"median time below 100 ng/mL {statistics.median(t for t in below if t is not None):6.1f} min"
        )


if __name__ == "__main__":
    main()
