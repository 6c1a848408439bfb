"""Scale benchmark (issue 19, item 3): time and queries per page at 1×, 100× and 1,000× the demo's data.

    DATABASE_URL=postgresql://... .venv/bin/python bench/scale.py [--scales 1,100,1000] [--runs 7]

With DATABASE_URL (PostgreSQL intended) it works in a separate, fresh database (test_<name>, created
and dropped, like bench/registry_search.py); without it, in a temporary SQLite file. It seeds the demo
clinic (`ketacare seed-demo`, a few minutes), counts its patients, treatment plans, questionnaire
responses and appointments, and measures the pages; then, for each further scale, bulk-inserts
synthetic rows until each of those tables holds <scale> times the demo's count (patients with a home
location and a name spread over the alphabet, one completed plan each, PHQ-9 scores around the plan
start, past appointments without chair or clinician so no booking rule is involved), brings the
outcome dashboard's rows and counts up to date the way the actions do (reports.actions), runs ANALYZE
and measures again. The demo's current week is never added to: a clinic's week holds as many
appointments as its chairs allow, whatever its history.

Pages (in-process, Django's test client, signed in as the demo's logins, one warm-up request each):
patient list, API patient list, outcome dashboard, week calendar (first location), chart (a demo
patient). Prints per page and scale the median and maximum time of `--runs` requests and the
queries per request, then each page's median at the largest scale as a ratio to 1× (the issue's
target: patient list, API list and dashboard within 1.5×).
"""

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from registry_search import configure, fresh_database  # noqa: E402  (same set-up as the registry bench)

BATCH = 5_000
SURNAMES = ("Nguyen", "Smith", "Garcia", "Okafor", "Kowalski", "Haddad", "Tanaka", "Brown", "Ivanova", "Silva")
# Days after the plan start of the synthetic patients' PHQ-9 scores (before it: baseline candidates).
SCORE_DAYS = (-10, -3, -1, 7, 14, 21, 28, 35, 42, 56, 60, 70)
PAGES = ("patient list", "API patient list", "outcome dashboard", "week calendar", "chart")
FLAT_PAGES = ("patient list", "API patient list", "outcome dashboard")


def volumes() -> dict[str, int]:
    from ketacare.measures.models import QuestionnaireResponse
    from ketacare.patients.models import Patient
    from ketacare.protocols.models import TreatmentPlan
    from ketacare.scheduling.models import Appointment

    return {
        "patients": Patient.objects.count(),
        "plans": TreatmentPlan.objects.count(),
        "responses": QuestionnaireResponse.objects.count(),
        "appointments": Appointment.objects.count(),
    }


class Grower:
    """Adds synthetic rows to the demo organisation with bulk inserts."""

    def __init__(self, rng: random.Random):
        from django.contrib.auth import get_user_model

        from ketacare.clinics.models import Organisation
        from ketacare.protocols.models import ProtocolTemplate
        from ketacare.scheduling.models import AppointmentType

        self.rng = rng
        self.organisation = Organisation.objects.get()
        self.locations = list(self.organisation.locations.order_by("pk"))
        self.prescriber = get_user_model().objects.get(username="prescriber")
        self.templates = list(ProtocolTemplate.objects.filter(organisation=None)[:3]) or list(
            ProtocolTemplate.objects.all()[:3]
        )
        self.appointment_types = list(AppointmentType.objects.filter(organisation=self.organisation))
        self.added = 0
        # Synthetic appointments stay out of the weeks around today (the measured calendar week).
        self.today = dt.date.today()

    def add(self, patients: int, per_patient: dict[str, float]) -> None:
        """`patients` more patients, each with a plan and about per_patient[...] responses and appointments."""
        for first in range(0, patients, BATCH):
            self._batch(min(BATCH, patients - first), per_patient)
            print(f"    +{min(first + BATCH, patients):,} patients", flush=True)

    def _batch(self, size: int, per_patient: dict[str, float]) -> None:
        from ketacare.measures.domain.library import INSTRUMENTS
        from ketacare.measures.models import QuestionnaireResponse, ResponseChannel, ResponseStatus
        from ketacare.patients.domain.names import search_key
        from ketacare.patients.models import Patient
        from ketacare.protocols.models import TreatmentPlan
        from ketacare.reports.actions import refresh_outcome_summaries
        from ketacare.scheduling.models import Appointment, AppointmentStatus

        rng, phq9 = self.rng, INSTRUMENTS["phq9"]
        rows = []
        for n in range(size):
            number = self.added + n
            first_name, last_name = f"Scale{number:07d}", f"{rng.choice(SURNAMES)}{rng.randrange(100_000)}"
            rows.append(
                Patient(
                    organisation=self.organisation,
                    record_number=f"S-{number:07d}",
                    first_name=first_name,
                    last_name=last_name,
                    first_name_key=search_key(first_name),
                    last_name_key=search_key(last_name),
                    date_of_birth=dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20_000)),
                    home_location=self.locations[n % len(self.locations)],
                )
            )
        self.added += size
        patients = Patient.objects.bulk_create(rows)
        starts = [self.today - dt.timedelta(days=rng.randrange(120, 700)) for _ in patients]
        TreatmentPlan.objects.bulk_create(
            [
                TreatmentPlan(
                    patient=patient,
                    template=rng.choice(self.templates),
                    status="completed",
                    start_date=start,
                    created_by=self.prescriber,
                )
                for patient, start in zip(patients, starts, strict=True)
            ]
        )
        responses, appointments = [], []
        for patient, start in zip(patients, starts, strict=True):
            baseline, improvement = rng.randrange(10, 28), rng.random()
            for index in range(_draw(rng, per_patient["responses"])):
                day = SCORE_DAYS[index % len(SCORE_DAYS)] + rng.randrange(-2, 3)
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
            for index in range(_draw(rng, per_patient["appointments"])):
                starts_at = dt.datetime.combine(
                    start + dt.timedelta(days=3 * index), dt.time(16 + rng.randrange(4)), tzinfo=dt.UTC
                )
                appointment_type = rng.choice(self.appointment_types)
                appointments.append(
                    Appointment(
                        organisation=self.organisation,
                        location=patient.home_location,
                        patient=patient,
                        appointment_type=appointment_type,
                        starts_at=starts_at,
                        ends_at=starts_at + dt.timedelta(minutes=60),
                        status=AppointmentStatus.COMPLETED,
                        created_by=self.prescriber,
                    )
                )
        QuestionnaireResponse.objects.bulk_create(responses, batch_size=BATCH)
        Appointment.objects.bulk_create(appointments, batch_size=BATCH)
        # The dashboard's per-patient rows and counts, as the actions would have kept them.
        refresh_outcome_summaries(patients)


def _draw(rng: random.Random, mean: float) -> int:
    """A whole number of rows with the given mean."""
    whole = int(mean)
    return whole + (rng.random() < mean - whole)


class Pages:
    """The measured pages, signed in as the demo's logins."""

    def __init__(self):
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from ketacare.accounts.actions import do_create_api_token
        from ketacare.clinics.models import Location
        from ketacare.patients.models import Patient
        from ketacare.testing.personas import sign_in

        logins = get_user_model().objects.filter(username__in=["frontdesk", "nurse", "admin"])
        users = {user.username: user for user in logins}
        for user in users.values():  # outside demo mode admins must have two-factor sign-in set up
            TOTPDevice.objects.get_or_create(user=user, defaults={"name": "scale benchmark", "confirmed": True})
        self.clients = {name: sign_in(Client(), user) for name, user in users.items()}
        _, secret = do_create_api_token(users["frontdesk"], "scale benchmark")
        self.api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        location = Location.objects.order_by("pk").first()
        patient = Patient.objects.order_by("pk").first()  # a demo patient: built before any synthetic rows
        self.paths = {
            "patient list": ("frontdesk", "/patients/"),
            "API patient list": (None, "/api/v1/patients"),
            "outcome dashboard": ("admin", "/measures/dashboard/"),
            "week calendar": ("frontdesk", f"/scheduling/calendar/locations/{location.pk}/?view=week"),
            "chart": ("nurse", f"/patients/{patient.pk}/"),
        }

    def measure(self, page: str, runs: int) -> tuple[float, float, int]:
        """(median ms, max ms, queries per request)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        who, path = self.paths[page]
        client = self.api if who is None else self.clients[who]
        response = client.get(path)  # warm-up
        if response.status_code != 200:
            raise SystemExit(f"{page}: {path} answered {response.status_code}")
        timings, queries = [], set()
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
            queries.add(len(captured.captured_queries))
        return statistics.median(timings), max(timings), max(queries)


def seed_demo_to_grow(seed: int) -> tuple[dict[str, int], dict[str, float], "Grower"]:
    """Seed the demo into the database `fresh_database` made: (its volumes, the rows per patient a copy
    gets, a Grower that adds patients like the demo's). Shared by the benches that multiply the demo."""
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    demo = volumes()
    version = connection.Database.sqlite_version if connection.vendor == "sqlite" else connection.pg_version
    print(f"Database: {connection.vendor} {version}")
    print(f"Demo seeded in {time.perf_counter() - started:.0f} s: {demo}", flush=True)
    per_patient = {
        "responses": demo["responses"] / demo["patients"],
        "appointments": demo["appointments"] / demo["patients"],
    }
    return demo, per_patient, Grower(random.Random(seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,100,1000", help="comma-separated multiples of the demo's data")
    parser.add_argument("--runs", type=int, default=7, help="requests per page and scale")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    scales = sorted({int(scale) for scale in args.scales.split(",")})
    if scales[0] != 1:
        scales.insert(0, 1)

    with tempfile.TemporaryDirectory(prefix="kc-bench-") as tmp_name:
        tmp = Path(tmp_name)
        mode = configure(tmp)
        import django

        django.setup()
        from django.db import connection

        cleanup = fresh_database(mode, tmp)
        try:
            demo, per_patient, grower = seed_demo_to_grow(args.seed)
            pages = Pages()
            results: dict[int, dict[str, tuple[float, float, int]]] = {}
            for scale in scales:
                if scale > 1:
                    started = time.perf_counter()
                    grower.add(demo["patients"] * scale - volumes()["patients"], per_patient)
                    built = time.perf_counter() - started
                    if connection.vendor == "postgresql":
                        with connection.cursor() as cursor:
                            cursor.execute("ANALYZE")
                    print(f"{scale}×: built in {built:.0f} s: {volumes()}", flush=True)
                results[scale] = {page: pages.measure(page, args.runs) for page in PAGES}
                for page, (median_ms, max_ms, queries) in results[scale].items():
                    print(
                        f"  {scale:>5}×  {page:<18} median {median_ms:7.1f} ms  max {max_ms:7.1f} ms  {queries} queries"
                    )
                sys.stdout.flush()
            largest = scales[-1]
            print(f"\nMedian at {largest}× over 1× (target ≤ 1.5 for {', '.join(FLAT_PAGES)}):")
            for page in PAGES:
                ratio = results[largest][page][0] / results[1][page][0]
                mark = "" if page not in FLAT_PAGES else ("  ok" if ratio <= 1.5 else "  OVER")
                print(f"  {page:<18} {ratio:5.2f}×{mark}")
        finally:
            cleanup()
            connection.close()


if __name__ == "__main__":
    main()
