"""Benchmark: booking a 6-session course in a busy network (issue 5, benchmark a).

    python bench/course_booking.py [--locations 20] [--chairs 6] [--weeks 8] [--courses 60] [--fill 0.7] [--seed 5]

Without DATABASE_URL it builds a fresh SQLite file in a temporary directory; with DATABASE_URL
a separate test database is created and dropped (registry_search.py's set-up, reused).

The network: `--locations` locations in four US time zones, each with `--chairs` IV chairs,
opening hours Mon–Sat 07:00–19:00, three monitoring nurses and a prescriber on site all day,
two chairs per nurse. `--weeks` weeks are already booked (bulk_create): each chair holds an IV
infusion (115 minutes of chair time) in each 2-hour slot with probability `--fill`. Then each
course is a new patient's IV plan (6 sessions, windows over 21 days, start within 4 weeks),
booked through the real action (courses.do_book_course: solver, re-check, inserts, audit) at a
random location with the patient available Mon–Sat 08:00–17:00. Prints p50/p95 latency of the
booked courses and of the refusals (which also compute the alternatives), the solver's share (the
time in proposals.propose_course alone) and the statements a booked course sends (with BEGIN and
COMMIT; savepoints and audit entries counted apart).
"""

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry_search import configure, fresh_database
from statements import Statements

ZONES = ["America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York"]
SLOT_STARTS = [dt.time(h) for h in (7, 9, 11, 13, 15)]  # 115-minute chair holds, 5 per chair per day
AVAILABILITY = [{"days": ["mon", "tue", "wed", "thu", "fri", "sat"], "from": "08:00", "to": "17:00"}]


def build_network(args, rng: random.Random):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from ketacare.accounts.domain.roles import Role
    from ketacare.clinics.models import Location, Organisation
    from ketacare.patients.domain.names import search_key
    from ketacare.patients.models import Patient
    from ketacare.scheduling.actions.resources import ensure_default_appointment_types
    from ketacare.scheduling.models import (
        Appointment,
        AppointmentType,
        Chair,
        OpeningHours,
        Skill,
        StaffShift,
        StaffSkill,
    )

    User = get_user_model()
    organisation = Organisation.objects.create(name="Network", slug="network")
    ensure_default_appointment_types(organisation)
    iv = AppointmentType.objects.get(organisation=organisation, kind="iv_infusion")

    def user(name, role):
        person = User(username=name, organisation=organisation, role=role.value, first_name=name)
        person.set_unusable_password()
        return person

    desk, prescriber = user("desk", Role.FRONT_DESK), user("prescriber", Role.PRESCRIBER)
    User.objects.bulk_create([desk, prescriber])
    locations = Location.objects.bulk_create(
        [
            Location(organisation=organisation, name=f"Site {n:02d}", time_zone=ZONES[n % len(ZONES)])
            for n in range(args.locations)
        ]
    )
    nurses = User.objects.bulk_create([user(f"nurse{n}", Role.NURSE) for n in range(3 * args.locations)])
    site_prescribers = User.objects.bulk_create(
        [user(f"prescriber{n}", Role.PRESCRIBER) for n in range(args.locations)]
    )
    StaffSkill.objects.bulk_create([StaffSkill(user=n, skill=Skill.MONITOR) for n in nurses])
    opens, closes = dt.time(7), dt.time(19)
    hours, shifts, chairs = [], [], []
    for index, location in enumerate(locations):
        staff_here = nurses[3 * index : 3 * index + 3] + [site_prescribers[index]]
        for weekday in range(6):
            hours.append(OpeningHours(location=location, weekday=weekday, opens_at=opens, closes_at=closes))
            shifts.extend(
                StaffShift(user=p, location=location, weekday=weekday, starts_at=opens, ends_at=closes)
                for p in staff_here
            )
        chairs.extend(Chair(location=location, name=f"Chair {c}", supports_iv=True) for c in range(1, args.chairs + 1))
    OpeningHours.objects.bulk_create(hours)
    StaffShift.objects.bulk_create(shifts)
    chairs = Chair.objects.bulk_create(chairs)

    filler = Patient.objects.bulk_create(
        [
            Patient(
                organisation=organisation,
                record_number=f"F-{n:05d}",
                first_name="Filler",
                last_name=f"P{n}",
                first_name_key=search_key("Filler"),
                last_name_key=search_key(f"P{n}"),
                date_of_birth=dt.date(1970, 1, 1),
            )
            for n in range(500)
        ]
    )
    by_location = {location.pk: location for location in locations}
    today = timezone.localdate()
    booked, batch = 0, []
    for chair in chairs:
        location = by_location[chair.location_id]
        zone = location.zone
        for offset in range(1, 7 * args.weeks + 1):
            day = today + dt.timedelta(days=offset)
            if day.weekday() == 6:
                continue
            for start in SLOT_STARTS:
                if rng.random() >= args.fill:
                    continue
                starts_at = dt.datetime.combine(day, start, tzinfo=zone)
                ends_at = starts_at + dt.timedelta(minutes=iv.patient_minutes)
                batch.append(
                    Appointment(
                        organisation=organisation,
                        location=location,
                        patient=rng.choice(filler),
                        appointment_type=iv,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        chair=chair,
                        chair_free_at=ends_at + dt.timedelta(minutes=iv.turnover_minutes),
                        created_by=desk,
                    )
                )
        if len(batch) > 5000:
            Appointment.objects.bulk_create(batch)
            booked += len(batch)
            batch = []
    Appointment.objects.bulk_create(batch)
    booked += len(batch)
    return organisation, desk, prescriber, locations, iv, booked


def make_plans(organisation, prescriber, count: int, rng: random.Random):
    """`count` new patients, each with an active IV plan made the lawful way (testing/plans.py:
    candidacy approved, weighed today, consent signed), starting within four weeks."""
    from django.utils import timezone

    from ketacare.patients.models import Patient
    from ketacare.testing.plans import make_treatment_plan

    plans = []
    for n in range(count):
        patient = Patient.objects.create(
            organisation=organisation,
            record_number=f"C-{n:05d}",
            first_name="Course",
            last_name=f"Patient{n}",
            date_of_birth=dt.date(1980, 1, 1),
        )
        start = timezone.localdate() + dt.timedelta(days=rng.randrange(2, 28))
        if start.weekday() == 6:  # prescribers start a course on a day the clinic is open
            start += dt.timedelta(days=1)
        plans.append(make_treatment_plan(patient, "iv-racemic-ketamine", prescriber, start_date=start))
    return plans


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locations", type=int, default=20)
    parser.add_argument("--chairs", type=int, default=6)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--courses", type=int, default=60)
    parser.add_argument("--fill", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        mode = configure(Path(tmp))
        import django

        django.setup()
        cleanup = fresh_database(mode, Path(tmp))
        try:
            run(args, rng)
        finally:
            cleanup()


def run(args, rng: random.Random) -> None:
    from unittest import mock

    from django.core.exceptions import ValidationError
    from django.db import connection

    from ketacare.scheduling.actions import courses

    started = time.perf_counter()
    organisation, desk, prescriber, locations, iv, booked = build_network(args, rng)
    plans = make_plans(organisation, prescriber, args.courses, rng)
    print(
        f"database: {connection.vendor}; network: {args.locations} locations x {args.chairs} chairs, "
        f"{booked} appointments over {args.weeks} weeks (set up in {time.perf_counter() - started:.1f} s)"
    )
    booked_ms, refused_ms, solver_ms, statements, savepoints, audit_inserts = [], [], [], [], [], []
    solve = courses.propose_course

    def timed_solve(*args, **kwargs):
        began = time.perf_counter()
        try:
            return solve(*args, **kwargs)
        finally:
            solver_ms.append((time.perf_counter() - began) * 1000)

    with mock.patch.object(courses, "propose_course", timed_solve):
        for plan in plans:
            location = rng.choice(locations)
            began = time.perf_counter()
            try:
                with Statements() as counted:
                    courses.do_book_course(
                        desk, plan.pk, appointment_type_id=iv.pk, location_ids=[location.pk], availability=AVAILABILITY
                    )
            except ValidationError:
                refused_ms.append((time.perf_counter() - began) * 1000)
                solver_ms.pop()
            else:
                booked_ms.append((time.perf_counter() - began) * 1000)
                statements.append(len(counted))
                savepoints.append(counted.kinds()["SAVEPOINT"])
                audit_inserts.append(counted.count('"audit_auditentry"'))
    from ketacare.audit.models import AuditEntry

    audited = AuditEntry.objects.filter(object_type="scheduling.appointment").count()
    for label, values in (("booked", booked_ms), ("refused (with alternatives)", refused_ms)):
        if values:
            print(
                f"{label}: {len(values)} courses; p50 {statistics.median(values):.0f} ms, "
                f"p95 {percentile(values, 0.95):.0f} ms, max {max(values):.0f} ms"
            )
        else:
            print(f"{label}: none")
    if booked_ms:
        print(
            f"solver alone (booked courses): p50 {statistics.median(solver_ms):.1f} ms; "
            f"booked p50 / solver p50 = {statistics.median(booked_ms) / statistics.median(solver_ms):.1f}x"
        )
        print(
            f"statements per booked course: median {statistics.median(statements):g} "
            f"(max {max(statements)}), savepoints {statistics.median(savepoints):g}, "
            f"statements on the audit trail {statistics.median(audit_inserts):g}; "
            f"{audited} appointment audit entries in all"
        )


if __name__ == "__main__":
    main()
