"""Benchmark: the clinic outcome dashboard over 100,000 patients and 2,000,000 responses.

    python bench/outcomes_dashboard.py [--patients 100000] [--responses-per-patient 20] [--runs 5] [--seed 7]

Without DATABASE_URL it builds a fresh SQLite file in a temporary directory. With DATABASE_URL
(PostgreSQL intended) it uses Django's test-database machinery like bench/registry_search.py: a
separate, fresh database (test_<name>) is created and dropped at the end; the database the URL
names is never written to.

It loads one organisation's patients (two locations, three protocols), one started treatment plan
each and submitted PHQ-9 responses around the plan start, with bulk_create in batches, builds the dashboard's per-patient rows
and pre-aggregated counts the way `ketacare rebuild_outcomes` does (the actions keep them current one
patient at a time), then calls reports.selectors.outcomes.clinic_outcomes (what /measures/dashboard/
calls, audit entry included) a few times and prints the number of queries per call and the median and
maximum time, plus the query plan of the counts' query.
"""

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from registry_search import configure, explain, fresh_database  # noqa: E402  (same set-up as the registry bench)

BATCH = 10_000
PROTOCOLS = ("iv-ketamine", "im-ketamine", "spravato")
# Days after the plan start on which responses fall (before it: baseline candidates).
SCHEDULE_DAYS = (-10, -3, -1, 3, 7, 10, 14, 17, 21, 24, 28, 31, 35, 42, 49, 56, 60, 70, 80, 90)


def load(patient_count: int, per_patient: int, rng: random.Random):
    """One organisation with a prescriber; patients, plans and responses in batches."""
    from django.contrib.auth import get_user_model

    from ketacare.accounts.domain.roles import Role
    from ketacare.clinics.models import Location, Organisation
    from ketacare.measures.domain.library import INSTRUMENTS
    from ketacare.measures.models import QuestionnaireResponse, ResponseChannel, ResponseStatus
    from ketacare.patients.models import Patient
    from ketacare.protocols.models import Drug, ProtocolTemplate, Route, TreatmentPlan

    organisation = Organisation.objects.create(name="Harbor", slug="harbor")
    locations = [
        Location.objects.create(organisation=organisation, name=f"Harbor {city}", time_zone=zone)
        for city, zone in [("Portland", "America/Los_Angeles"), ("Boston", "America/New_York")]
    ]
    prescriber = get_user_model()(username="prescriber", organisation=organisation, role=Role.PRESCRIBER.value)
    prescriber.set_unusable_password()
    prescriber.save()
    templates = [
        ProtocolTemplate.objects.create(
            organisation=organisation,
            code=code,
            name=code,
            route=Route.IM,
            drug=Drug.KETAMINE_RACEMIC,
            induction_session_count=6,
            induction_window_days=21,
            sessions_per_week_min=2,
            sessions_per_week_max=3,
            session_length_min=90,
        )
        for code in PROTOCOLS
    ]
    phq9 = INSTRUMENTS["phq9"]
    schedule = SCHEDULE_DAYS[:per_patient] if per_patient <= len(SCHEDULE_DAYS) else SCHEDULE_DAYS
    today = dt.date(2026, 6, 1)

    for first in range(0, patient_count, BATCH):
        size = min(BATCH, patient_count - first)
        patients = Patient.objects.bulk_create(
            [
                Patient(
                    organisation=organisation,
                    record_number=f"KC-{first + n + 1:06d}",
                    first_name="Pat",
                    last_name=f"Bench{first + n}",
                    first_name_key="pat",
                    last_name_key=f"bench{first + n}",
                    date_of_birth=dt.date(1970, 1, 1) + dt.timedelta(days=n),
                    home_location=locations[n % 2],
                )
                for n in range(size)
            ]
        )
        starts = [today - dt.timedelta(days=rng.randrange(100, 700)) for _ in patients]
        TreatmentPlan.objects.bulk_create(
            [
                TreatmentPlan(
                    patient=patient,
                    template=rng.choice(templates),
                    status="completed",
                    start_date=start,
                    created_by=prescriber,
                )
                for patient, start in zip(patients, starts, strict=True)
            ]
        )
        responses = []
        for patient, start in zip(patients, starts, strict=True):
            baseline = rng.randrange(10, 28)
            improvement = rng.random()
            for index in range(per_patient):
                day = schedule[index % len(schedule)] + rng.randrange(-2, 3)
                fall = 0 if day <= 0 else improvement * min(day, 56) / 56
                total = max(0, min(27, round(baseline * (1 - fall)) + rng.randrange(-2, 3)))
                responses.append(
                    QuestionnaireResponse(
                        patient=patient,
                        instrument="phq9",
                        instrument_version=phq9.version,
                        status=ResponseStatus.SUBMITTED,
                        total=total,
                        severity=phq9.band_for(total).code,
                        submitted_at=dt.datetime.combine(start + dt.timedelta(days=day), dt.time(17), tzinfo=dt.UTC),
                        channel=ResponseChannel.LINK,
                    )
                )
            if len(responses) >= BATCH:
                QuestionnaireResponse.objects.bulk_create(responses)
                responses = []
        QuestionnaireResponse.objects.bulk_create(responses)
        print(f"  loaded {first + size:,} patients", flush=True)
    return prescriber


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--responses-per-patient", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kc-bench-") as tmp_name:
        tmp = Path(tmp_name)
        mode = configure(tmp)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from ketacare.reports.selectors import outcomes

        cleanup = fresh_database(mode, tmp)
        try:
            started = time.perf_counter()
            prescriber = load(args.patients, args.responses_per_patient, random.Random(args.seed))
            load_seconds = time.perf_counter() - started
            rebuild_started = time.perf_counter()
            call_command("rebuild_outcomes")
            rebuild_seconds = time.perf_counter() - rebuild_started
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            version = connection.Database.sqlite_version if connection.vendor == "sqlite" else connection.pg_version
            print(f"Database: {connection.vendor} {version} ({connection.settings_dict['NAME']})")
            print(
                f"Loaded {args.patients:,} patients and {args.patients * args.responses_per_patient:,} "
                f"responses in {load_seconds:.1f} s; per-patient outcome rows rebuilt in {rebuild_seconds:.1f} s "
                f"({rebuild_seconds / args.patients * 1000:.2f} ms per patient)."
            )
            timings, counts, statements = [], [], []
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as captured:
                    run_started = time.perf_counter()
                    dashboard = outcomes.clinic_outcomes(prescriber, "phq9")
                    timings.append((time.perf_counter() - run_started) * 1000)
                counts.append(len(captured.captured_queries))
                statements = [q["sql"] for q in captured.captured_queries]
            overall = dashboard.overall
            print(
                f"Dashboard (PHQ-9): {args.runs} runs, median {statistics.median(timings):.0f} ms, "
                f"max {max(timings):.0f} ms, queries per run {sorted(set(counts))}"
            )
            for (label, _, _), window in zip(dashboard.windows, overall.windows, strict=True):
                print(
                    f"  {label}: {overall.with_baseline:,} with baseline, {window.evaluable:,} evaluable, "
                    f"{window.responders:,} responders, {window.remitters:,} remitters"
                )
            counts = next(sql for sql in statements if "reports_outcomecount" in sql)
            print("Query plan of the pre-aggregated counts' query:")
            for line in explain(counts):
                print(f"    {line}")
        finally:
            cleanup()
            connection.close()


if __name__ == "__main__":
    main()
