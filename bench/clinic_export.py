"""The clinic's export (issue 17, item 4): time and peak memory of `ketacare export` at 1× and 10× the demo.

    [DATABASE_URL=postgresql://...] .venv/bin/python bench/clinic_export.py [--scales 1,10]

Seeds the demo clinic in a fresh database (as bench/scale.py: a temporary SQLite file without DATABASE_URL,
a separate test database with it), then for each scale grows it with bench/scale.py's Grower (synthetic
patients with a plan, PHQ-9 scores and past appointments, as many per patient as the demo has; no sessions,
so no more documents) and runs
`ketacare export --format fhir` and `--format csv` as separate processes, printing per run the wall time,
the command's peak resident memory (bench/child_memory.py), the resources or rows written and the documents. Flat
memory means the peak stays put while the counts grow.
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from child_memory import run_ketacare  # noqa: E402
from registry_search import configure, fresh_database  # noqa: E402  (same set-up as the other benches)
from scale import seed_demo_to_grow, volumes  # noqa: E402


def answer_synthetic_scores() -> None:
    """scale.py's synthetic PHQ-9 responses carry a total only; give each the answers that add up to it (the
    FHIR QuestionnaireResponse is built from the answers, as every response the actions record has them).
    Raw SQL: a submitted response is append-only through the ORM (measures/models.py)."""
    from django.db import connection, transaction

    from ketacare.measures.models import QuestionnaireResponse

    table = QuestionnaireResponse._meta.db_table
    rows = QuestionnaireResponse.objects.filter(answers={}, instrument="phq9").values_list("pk", "total")
    updates = [
        (json.dumps({str(item): max(0, min(3, total - 3 * (item - 1))) for item in range(1, 10)}), pk)
        for pk, total in rows.iterator(chunk_size=5000)
    ]
    value = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET answers = {value} WHERE id = %s", updates)


def run_export(export_format: str, outdir: Path) -> tuple[float, float, dict]:
    """(seconds, peak MiB, manifest) of one `ketacare export` in its own process."""
    seconds, peak_mib = run_ketacare("export", str(outdir), "--format", export_format, "--organisation", "harbor")
    return seconds, peak_mib, json.loads((outdir / "manifest.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10", help="comma-separated multiples of the demo's patients")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    scales = sorted({int(scale) for scale in args.scales.split(",")})

    with tempfile.TemporaryDirectory(prefix="kc-export-bench-") as tmp_name:
        tmp = Path(tmp_name)
        mode = configure(tmp)
        import django

        django.setup()
        from django.db import connection

        cleanup = fresh_database(mode, tmp)
        if mode != "fresh":  # the export processes read the test database this process built
            url = urlsplit(os.environ["DATABASE_URL"])
            os.environ["DATABASE_URL"] = urlunsplit(url._replace(path=f"/{connection.settings_dict['NAME']}"))
        try:
            demo, per_patient, grower = seed_demo_to_grow(args.seed)
            for scale in scales:
                if scale > 1:
                    grower.add(demo["patients"] * scale - volumes()["patients"], per_patient)
                    answer_synthetic_scores()
                connection.close()  # the export processes read what this one committed
                for export_format in ("fhir", "csv"):
                    seconds, peak_mib, manifest = run_export(export_format, tmp / f"out-{scale}-{export_format}")
                    written = sum(entry["count"] for entry in manifest["files"])
                    documents = sum(manifest["documents"]["counts"].values())
                    print(
                        f"  {scale:>3}× {volumes()['patients']:>6} patients  {export_format:<4} {seconds:7.1f} s  "
                        f"peak {peak_mib:6.0f} MiB  {written:>8} {'resources' if export_format == 'fhir' else 'rows'}"
                        f"  {documents} documents",
                        flush=True,
                    )
        finally:
            cleanup()
            connection.close()


if __name__ == "__main__":
    main()
