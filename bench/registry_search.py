"""Benchmark: registry search over 100,000 patients.

    python bench/registry_search.py [--patients 100000] [--searches 200] [--seed 7]

Without DATABASE_URL it builds a fresh SQLite file in a temporary directory.
With DATABASE_URL it uses Django's test-database machinery: a separate, fresh
database (test_<name>) is created and dropped at the end; the database the URL
names is never written to.

It loads the patients with bulk_create (two organisations), then times
searches of each kind through patients.selectors.search_patients, the same
call the list page and the API make (audit entry included), and prints the
median and 95th percentile, the number of queries per search, and the query
plan of each kind of search.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST_NAMES = """
James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan
Joseph Jessica Thomas Sarah Christopher Karen Charles Lisa Daniel Nancy Matthew Betty Anthony Sandra
Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol
Kevin Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Laura Edward Helen
Jeffrey Sharon Ryan Cynthia Jacob Kathleen Gary Amy Nicholas Angela Eric Shirley Jonathan Anna
Stephen Brenda Larry Pamela Justin Emma Scott Nicole Brandon Samantha Benjamin Katherine Samuel
Christine Gregory Debra Alexander Rachel Patrick Carolyn Frank Janet Raymond Maria Jack Olivia Dennis
Heather Jerry Catherine Tyler Diane Aaron Julie Jose Victoria Adam Joyce Nathan Lauren Henry Kelly
Zachary Christina Douglas Ruth Peter Joan Kyle Virginia Noah Judith Ethan Evelyn Jeremy Hannah
Walter Andrea Christian Megan Keith Cheryl Roger Jacqueline Terry Madison Austin Teresa Sean Abigail
Zoë José Renée Chloé Zoé Björn Søren Łucja Ngọc Siobhán Aoife Seán Chidi Ayodele Mei Hiroshi
Yuki Priya Arjun Ananya Mohammed Fatima Omar Layla Ali Amir Noor Dmitri Olga Ivan Anastasia
Mateo Sofía Valentina Santiago Camila Diego Lucía Joaquín Isabella Gabriel Thiago Luana
""".split()

LAST_NAMES = (
    """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark
Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams
Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker
Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper
Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James
Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster
Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher
Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno
West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall
Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb
Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason
Dixon Muñoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren
Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne
Grant Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley Knight
Müller Schäfer Łukasik Nowak Kowalski Wiśniewski Søndergaard Björkman Ó'Brien O'Connor O'Neill
Nguyễn Trần Phạm Huỳnh Đặng Yamamoto Tanaka Watanabe Suzuki Sato Zhang Wang Liu Huang Okafor
Adeyemi Mensah Haddad Khalil Ibrahim Hosseini Kaur Singh Sharma Gupta Iyer Ivanova Petrov Popescu
""".split()
    + ["van der Berg", "de la Cruz", "Da Silva", "Van Dyke", "St. John", "García Márquez"]
)

SEARCH_KINDS = ["last-name prefix", "2-letter prefix", "full name", "date of birth", "record number"]


def configure(tmp: Path) -> str:
    """Point Django at the benchmark database; returns a description of it."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "ketacare.settings_test"
    os.environ.setdefault("KETACARE_VAR_DIR", str(tmp))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
        return "fresh"
    return "test-copy"


def fresh_database(mode: str, tmp: Path):
    """Migrate an empty database; returns a cleanup callable."""
    from django.core.management import call_command
    from django.db import connection

    if mode == "fresh":
        call_command("migrate", verbosity=0, interactive=False)
        return lambda: None
    # A URL was given: build (and later drop) a separate test database.
    connection.settings_dict["TEST"]["NAME"] = (
        str(tmp / "bench-test.sqlite3") if connection.vendor == "sqlite" else None
    )
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return lambda: connection.creation.destroy_test_db(old_name, verbosity=0)


def load_patients(count: int, rng: random.Random):
    """Two organisations, `count` patients split 60/40, one front-desk user each."""
    from django.contrib.auth import get_user_model

    from ketacare.accounts.domain.roles import Role
    from ketacare.clinics.models import Location, Organisation
    from ketacare.patients.domain.names import search_key
    from ketacare.patients.domain.records import format_record_number
    from ketacare.patients.models import CareStage, Patient, PatientRecordCounter

    organisations, users, locations = [], [], []
    for slug in ("harbor", "elsewhere"):
        organisation = Organisation.objects.create(name=slug.title(), slug=slug)
        locations.append(
            [
                Location.objects.create(organisation=organisation, name=f"{slug} {city}", time_zone=zone)
                for city, zone in [("Portland", "America/Los_Angeles"), ("Boston", "America/New_York")]
            ]
        )
        user = get_user_model()(username=f"desk_{slug}", organisation=organisation, role=Role.FRONT_DESK.value)
        user.set_unusable_password()
        user.save()
        organisations.append(organisation)
        users.append(user)

    stages = [choice.value for choice in CareStage]
    numbers = [0, 0]
    batch = []
    for index in range(count):
        which = 0 if index % 5 < 3 else 1
        numbers[which] += 1
        first = rng.choice(FIRST_NAMES)
        # About one in eight has a double-barrelled surname, as in a real registry.
        last = rng.choice(LAST_NAMES)
        if rng.random() < 0.125:
            last = f"{last}-{rng.choice(LAST_NAMES)}"
        batch.append(
            Patient(
                organisation=organisations[which],
                record_number=format_record_number(numbers[which]),
                first_name=first,
                last_name=last,
                # bulk_create skips save(), which is what fills the search keys.
                first_name_key=search_key(first),
                last_name_key=search_key(last),
                date_of_birth=dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 65)),
                stage=rng.choice(stages),
                home_location=rng.choice(locations[which]),
            )
        )
        if len(batch) == 5000:
            Patient.objects.bulk_create(batch)
            batch = []
    Patient.objects.bulk_create(batch)
    for organisation, last_number in zip(organisations, numbers, strict=True):
        PatientRecordCounter.objects.create(organisation=organisation, last_number=last_number)
    return users[0], numbers[0]


def make_queries(user, per_kind: int, org_size: int, rng: random.Random) -> dict[str, list[str]]:
    """Realistic typed searches, drawn from the searching user's own organisation."""
    from ketacare.patients.models import Patient

    numbers = rng.sample(range(1, org_size + 1), per_kind)
    # Fetched by record number, unaudited: this is the benchmark's set-up, not someone reading records.
    sample = list(
        Patient.objects.filter(organisation_id=user.organisation_id, record_number__in=[f"KC-{n:06d}" for n in numbers])
    )
    rng.shuffle(sample)
    queries = {kind: [] for kind in SEARCH_KINDS}
    for patient in sample:
        typed_last = patient.last_name.split("-")[0]
        queries["last-name prefix"].append(typed_last[: rng.randint(3, 5)].lower())
        # Broad: read in name order from the index instead of sorting (selectors.SHORT_PREFIX).
        queries["2-letter prefix"].append(typed_last[:2])
        queries["full name"].append(f"{patient.first_name} {patient.last_name}")
        queries["date of birth"].append(patient.date_of_birth.isoformat())
        number = int(patient.record_number.removeprefix("KC-"))
        queries["record number"].append(str(number) if number % 2 else patient.record_number)
    return queries


def is_patient_select(sql: str) -> bool:
    return sql.lstrip().upper().startswith("SELECT") and "patients_patient" in sql


class SelectTimer:
    """Times the SELECT on the patient table inside each search (a connection execute wrapper)."""

    def __init__(self):
        self.milliseconds: list[float] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if is_patient_select(sql):
                self.milliseconds.append((time.perf_counter() - started) * 1000)


def run_searches(user, queries: list[str]):
    """Per search: total ms, ms of the patient SELECT, queries, rows; plus the statements of the first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ketacare.patients.selectors import search_patients

    totals, counts, rows, first_statements = [], [], [], None
    select_timer = SelectTimer()
    with connection.execute_wrapper(select_timer):
        for query in queries:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                found = search_patients(user, query)
                totals.append((time.perf_counter() - started) * 1000)
            counts.append(len(captured.captured_queries))
            rows.append(len(found))
            if first_statements is None:
                first_statements = [q["sql"] for q in captured.captured_queries]
    return totals, select_timer.milliseconds, counts, rows, first_statements


def explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"{connection.ops.explain_query_prefix()} {sql}")
        return [" | ".join(str(col) for col in row) for row in cursor.fetchall()]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


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
            load_seconds = time.perf_counter() - started
            version = connection.Database.sqlite_version if connection.vendor == "sqlite" else connection.pg_version
            print(f"Database: {connection.vendor} {version} ({connection.settings_dict['NAME']})")
            print(
                f"Loaded {args.patients:,} patients in 2 organisations in {load_seconds:.1f} s; "
                f"searching as front desk of the one with {org_size:,}."
            )
            print()
            queries = make_queries(user, args.searches, org_size, rng)
            header = (
                f"{'search':<18}{'n':>5}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}"
                f"{'SELECT median':>15}{'SELECT p95':>12}{'queries/search':>16}{'rows (median)':>15}"
            )
            print(header)
            print("-" * len(header))
            statements = {}
            for kind in SEARCH_KINDS:
                totals, selects, counts, rows, statements[kind] = run_searches(user, queries[kind])
                distinct_counts = sorted(set(counts))
                count_text = str(distinct_counts[0]) if len(distinct_counts) == 1 else f"{distinct_counts} (varies!)"
                print(
                    f"{kind:<18}{len(totals):>5}{statistics.median(totals):>11.2f}{percentile(totals, 0.95):>9.2f}"
                    f"{max(totals):>9.2f}{statistics.median(selects):>15.2f}{percentile(selects, 0.95):>12.2f}"
                    f"{count_text:>16}{statistics.median(rows):>15.0f}"
                )
            print()
            print("Times are of the whole search_patients() call, which also appends the LIST audit entry;")
            print("SELECT columns time the patient query alone. The statements of one search:")
            for sql in statements["last-name prefix"]:
                print(f"    {sql[:110]}{'…' if len(sql) > 110 else ''}")
            for kind in SEARCH_KINDS:
                sql = next(q for q in statements[kind] if is_patient_select(q))
                print()
                print(f"Query plan, {kind} search {queries[kind][0]!r}:")
                for line in explain(sql):
                    print(f"    {line}")
        finally:
            cleanup()
            connection.close()


if __name__ == "__main__":
    main()
