"""FHIR Bulk Data `$export` (issue 17, item 3): resources per second and peak memory of the export worker at
1k, 10k (and, with --patients, 100k) patients' worth of data.

    [DATABASE_URL=postgresql://...] .venv/bin/python bench/fhir_bulk_export.py [--patients 1000,10000,100000]

Seeds the demo clinic in a fresh database (as bench/scale.py: a temporary SQLite file without DATABASE_URL, a
separate test database with it), grows it with bench/scale.py's Grower to each patient count (synthetic
patients with a plan, PHQ-9 scores and past appointments, as many per patient as the demo has), queues a
system-level `$export` of every type for the demo's prescriber (the same action the kick-off calls) and runs
`ketacare fhir bulk-worker --once` in its own process, printing the wall time, the resources written per
second (audit entries included in the time: one per exported patient), and the worker's peak resident memory
(bench/child_memory.py: its own high-water mark, not this process's). Flat memory means the peak stays put
while the counts grow. 100k patients takes long on a small machine, hence an option.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from child_memory import run_ketacare  # noqa: E402  (the worker's own peak memory)
from clinic_export import answer_synthetic_scores  # noqa: E402  (the synthetic scores need their answers)
from registry_search import configure, fresh_database  # noqa: E402  (same set-up as the other benches)
from scale import seed_demo_to_grow, volumes  # noqa: E402


def queue_export() -> str:
    from django.contrib.auth import get_user_model

    from ketacare.fhir.bulk.actions import do_start_export
    from ketacare.fhir.bulk.models import ExportLevel
    from ketacare.fhir.bulk.params import ExportParams

    prescriber = get_user_model().objects.get(username="prescriber")
    job = do_start_export(prescriber, ExportLevel.SYSTEM, ExportParams([], None), request_url="bench:$export")
    return job.pk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", default="1000,10000", help="comma-separated patient counts (e.g. add 100000)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    targets = sorted({int(count) for count in args.patients.split(",")})

    with tempfile.TemporaryDirectory(prefix="kc-bulk-bench-") as tmp_name:
        tmp = Path(tmp_name)
        mode = configure(tmp)
        import django

        django.setup()
        from django.db import connection

        from ketacare.fhir.bulk.models import ExportJob, ExportStatus

        cleanup = fresh_database(mode, tmp)
        if mode != "fresh":  # the worker processes read the test database this process built
            url = urlsplit(os.environ["DATABASE_URL"])
            os.environ["DATABASE_URL"] = urlunsplit(url._replace(path=f"/{connection.settings_dict['NAME']}"))
        try:
            demo, per_patient, grower = seed_demo_to_grow(args.seed)
            rows = []
            for target in targets:
                grower.add(max(0, target - volumes()["patients"]), per_patient)
                answer_synthetic_scores()
                job_id = queue_export()
                connection.close()  # the worker reads what this process committed
                seconds, peak_mib = run_ketacare("fhir", "bulk-worker", "--once")
                job = ExportJob.objects.get(pk=job_id)
                if job.status != ExportStatus.DONE:
                    raise SystemExit(f"export {job_id} ended {job.status}: {job.error}")
                resources = sum(entry["count"] for entry in job.output)
                rows.append((volumes()["patients"], resources, seconds, resources / seconds, peak_mib))
                print(f"  {rows[-1][0]:>7,} patients done", flush=True)
            print()
            print(f"{'patients':>9} {'resources':>10} {'seconds':>8} {'resources/s':>12} {'peak MiB':>9}")
            for patients, resources, seconds, rate, peak in rows:
                print(f"{patients:>9,} {resources:>10,} {seconds:>8.1f} {rate:>12,.0f} {peak:>9.0f}")
        finally:
            cleanup()
            connection.close()


if __name__ == "__main__":
    main()
