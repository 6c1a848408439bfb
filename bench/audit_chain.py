"""Benchmark: audited chart views per second, one audit chain per organisation (issues 13.3 and 19.2).

    DATABASE_URL=postgresql://... python bench/audit_chain.py [--seconds 5] [--writers 4]

Each "view" is what an audited chart read adds to its request: record_event(nurse, VIEW, patient)
on its own (no surrounding transaction; since issue 19 one statement that advances the chain's head
row and inserts the entry, audit/appending.py). First the statements one append sends (BEGIN and
COMMIT counted, bench/statements.py) and those of a batch of six (record_events), then runs, each
`--seconds` long, with `--writers` writer processes (like gunicorn workers; one connection each):

- one organisation, one writer: the baseline;
- one organisation, all writers: they contend for that organisation's chain;
- four organisations, writers spread over them: independent chains.

Meaningful on PostgreSQL (SQLite serialises every write on the database lock whatever the chain);
without DATABASE_URL it runs on a fresh SQLite file anyway. Prints appends per second for each and
verifies every chain at the end.
"""

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry_search import configure, fresh_database
from statements import Statements


def make_clinics(count: int):
    """`count` organisations with one nurse and one patient each."""
    from django.contrib.auth import get_user_model

    from ketacare.accounts.domain.roles import Role
    from ketacare.clinics.models import Organisation
    from ketacare.patients.models import Patient

    clinics = []
    for number in range(count):
        organisation = Organisation.objects.create(name=f"Clinic {number}", slug=f"clinic-{number}")
        nurse = get_user_model()(username=f"nurse{number}", organisation=organisation, role=Role.NURSE.value)
        nurse.set_unusable_password()
        nurse.save()
        patient = Patient.objects.create(
            organisation=organisation,
            record_number=f"KC-{number:06d}",
            first_name="Pat",
            last_name=f"Bench{number}",
            date_of_birth="1980-01-01",
        )
        clinics.append((nurse, patient))
    return clinics


def _writer(clinic, start, stop, counts, index: int) -> None:
    """One writer process (like one gunicorn worker): audited views until `stop` is set."""
    from django.db import connection

    from ketacare.audit.actions import record_event
    from ketacare.audit.models import AuditAction

    nurse, patient = clinic
    done = 0
    try:
        start.wait()
        while not stop.is_set():
            record_event(nurse, AuditAction.VIEW, patient, patient=patient, source_address="10.0.0.1")
            done += 1
    finally:
        counts[index] = done
        connection.close()


def run(clinics, writers: int, seconds: float) -> float:
    """Appends per second with `writers` processes, writer i on clinic i % len(clinics)."""
    from django.db import connections

    connections.close_all()  # each forked process opens its own connection
    context = multiprocessing.get_context("fork")
    start, stop = context.Barrier(writers + 1), context.Event()
    counts = context.Array("q", writers)
    processes = [
        context.Process(target=_writer, args=(clinics[index % len(clinics)], start, stop, counts, index))
        for index in range(writers)
    ]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for process in processes:
        process.join()
    return sum(counts) / (time.perf_counter() - began)


def statements_per_append(clinic, appends: int = 20) -> str:
    """What one audited view sends to the database, averaged over `appends` in a row by one process,
    and what a batch of six entries sends (the entries of a booked course)."""
    from ketacare.audit import actions
    from ketacare.audit.models import AuditAction

    nurse, patient = clinic
    actions.record_event(nurse, AuditAction.VIEW, patient, patient=patient)  # a process's first append may differ
    with Statements() as counted:
        for _ in range(appends):
            actions.record_event(nurse, AuditAction.VIEW, patient, patient=patient, source_address="10.0.0.1")
    kinds = ", ".join(f"{kind} {count / appends:g}" for kind, count in sorted(counted.kinds().items()))
    batch = [actions.audit_event(nurse, AuditAction.CREATE, patient, patient=patient) for _ in range(6)]
    with Statements() as batched:
        actions.record_events(batch)
    return f"{len(counted) / appends:g} statements per append ({kinds}); a batch of 6 entries: {len(batched)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--writers", type=int, default=4, help="writer processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        mode = configure(Path(tmp))
        import django

        django.setup()
        from django.db import connection

        from ketacare.audit.chains import verify_audit

        cleanup = fresh_database(mode, Path(tmp))
        try:
            clinics = make_clinics(4)
            print(f"database: {connection.vendor}; {args.writers} writer processes; {args.seconds:g} s per run")
            print(statements_per_append(clinics[0]))
            results = [
                ("1 organisation, 1 writer", clinics[:1], 1),
                (f"1 organisation, {args.writers} writers", clinics[:1], args.writers),
                (f"4 organisations, {args.writers} writers", clinics, args.writers),
            ]
            for label, chosen, writers in results:
                print(f"{label:<45} {run(chosen, writers, args.seconds):8.0f} audited views/s")
            reports = [report for _, report in verify_audit()]
            broken = [report for report in reports if not report.ok]
            total = sum(report.checked for report in reports)
            print(f"chains verified: {total} entries, {'all intact' if not broken else f'{len(broken)} broken'}")
        finally:
            connection.close()
            cleanup()


if __name__ == "__main__":
    main()
