"""Benchmark: the patient picker's search over 100,000 patients, by every key it takes.

    python bench/patient_search.py [--patients 100000] [--searches 200] [--seed 7]

Set-up as registry_search.py (a fresh SQLite file, or with DATABASE_URL a throwaway test database
on that server; two organisations, 60/40), and every patient gets a phone number and an email
address. Then it times patients.selectors.picker_results, the call behind the picker on the booking
page (at most PICKER_LIMIT matches, the search audited), for each kind of typed query: a name
prefix, a two- and a one-letter prefix, a phone number as people type it, an email address in other case, a
US birth date (MM/DD/YYYY) and a record number. Prints median / p95 ms and queries per search, and
the query plan of each kind.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry_search import configure, explain, fresh_database, is_patient_select, load_patients, percentile

KINDS = ["name prefix", "2-letter prefix", "1-letter prefix", "phone", "email", "US birth date", "record number"]


def add_contacts() -> None:
    """Phone +1 503 5NN NNNN and email pN@example.org from the row's id, in one UPDATE."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat, LPad

    from ketacare.patients.models import Patient

    number = Cast("id", CharField())
    Patient.objects.update(
        phone=Concat(Value("+15035"), LPad(number, 6, Value("0"))),
        email=Concat(Value("p"), number, Value("@example.org")),
    )


def typed_queries(user, per_kind: int, rng: random.Random) -> dict[str, list[str]]:
    from ketacare.patients.models import Patient

    ids = list(Patient.objects.filter(organisation_id=user.organisation_id).values_list("id", flat=True))
    sample = list(Patient.objects.filter(pk__in=rng.sample(ids, per_kind)))
    queries: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for patient in sample:
        last = patient.last_name.split("-")[0]
        digits = patient.phone.removeprefix("+1")
        queries["name prefix"].append(last[: rng.randint(3, 5)].lower())
        queries["2-letter prefix"].append(last[:2])
        queries["1-letter prefix"].append(last[:1])
        queries["phone"].append(f"({digits[:3]}) {digits[3:6]}-{digits[6:]}")
        queries["email"].append(patient.email.upper())
        queries["US birth date"].append(patient.date_of_birth.strftime("%m/%d/%Y"))
        queries["record number"].append(patient.record_number)
    return queries


def time_picker(user, queries: list[str]):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ketacare.patients.picker import PICKER_LIMIT
    from ketacare.patients.selectors import picker_results

    totals, counts, rows, select = [], [], [], None
    for query in queries:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            results = picker_results(user, query, 0, limit=PICKER_LIMIT)
            totals.append((time.perf_counter() - started) * 1000)
        counts.append(len(captured.captured_queries))
        rows.append(len(results.patients))
        select = select or [q["sql"] for q in captured.captured_queries if is_patient_select(q["sql"])][-1]
    return totals, counts, rows, select


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=200, help="searches of each kind")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kc-bench-") as tmp_name:
        tmp = Path(tmp_name)
        mode = configure(tmp)
        import django

        django.setup()
        from django.db import connection

        cleanup = fresh_database(mode, tmp)
        try:
            rng = random.Random(args.seed)
            started = time.perf_counter()
            user, org_size = load_patients(args.patients, rng)
            add_contacts()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE patients_patient")
            version = connection.Database.sqlite_version if connection.vendor == "sqlite" else connection.pg_version
            print(f"Database: {connection.vendor} {version}")
            print(
                f"Loaded {args.patients:,} patients in {time.perf_counter() - started:.1f} s; "
                f"searching as front desk of the organisation with {org_size:,}."
            )
            queries = typed_queries(user, args.searches, rng)
            header = f"{'search':<17}{'n':>5}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}{'queries':>9}{'rows':>6}"
            print()
            print(header)
            print("-" * len(header))
            selects = {}
            for kind in KINDS:
                totals, counts, rows, selects[kind] = time_picker(user, queries[kind])
                print(
                    f"{kind:<17}{len(totals):>5}{statistics.median(totals):>11.2f}{percentile(totals, 0.95):>9.2f}"
                    f"{max(totals):>9.2f}{max(counts):>9}{statistics.median(rows):>6.0f}"
                )
            print()
            print("Times are of the whole picker_results() call (search and its audit entry).")
            for kind in KINDS:
                print()
                print(f"Query plan, {kind} {queries[kind][0]!r}:")
                for line in explain(selects[kind]):
                    print(f"    {line}")
        finally:
            cleanup()
            connection.close()


if __name__ == "__main__":
    main()
