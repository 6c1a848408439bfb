"""Never a double booking under concurrency.

PostgreSQL: 32 simultaneous API requests for the same chair and time, spread over two gunicorn
processes sharing the test database: exactly one 201, 31 clear 409s, one appointment row, and
the audit chain still verifies. SQLite: the same race between threads of one process (the
database allows one writer; BEGIN IMMEDIATE takes the lock before the check).
"""

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, connections

from ketacare.accounts.models import ApiToken
from ketacare.scheduling.actions import booking as booking_actions
from ketacare.scheduling.selectors.booking import SlotConflict
from ketacare.scheduling.tests.booking_world import IV, boston

REQUESTS = 32
ROOT = Path(__file__).resolve().parents[3]


def _shared_database_url(tmp_path) -> str:
    """A URL other processes can open: the PostgreSQL test database, or a file copy of SQLite's
    in-memory test database (taken with SQLite's backup API once the data is committed)."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = f"{quote(s['USER'])}:{quote(s['PASSWORD'])}@" if s["USER"] else ""
        return f"postgresql://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{quote(s['NAME'])}"
    path = tmp_path / "race.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}"


def _environment(database_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "ketacare.settings_test",
        "KETACARE_LOG_LEVEL": "WARNING",
    }


def _start_server(port: int, database_url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "ketacare.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            "1",
            "--threads",
            str(REQUESTS // 2),
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=_environment(database_url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _call(port: int, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/scheduling{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _wait_until_up(port: int, token: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"server on {port} exited: {server.stderr.read().decode()[-2000:]}")
        try:
            if _call(port, token, "GET", "/resources")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server on {port} did not start")


# Run in a fresh process against the shared database: what a reader sees after the race.
READ_OUTCOME = (
    "import django, json; django.setup();"
    "from ketacare.scheduling.models import Appointment; from ketacare.audit.models import AuditEntry;"
    "print(json.dumps({'appointments': [[a.chair_id, a.starts_at.isoformat()] for a in Appointment.objects.all()],"
    " 'audit_creates': AuditEntry.objects.filter(object_type='scheduling.appointment', action='create').count()}))"
)
RUN_THREAD_RACE = (
    "import django, json, sys; django.setup();"
    "from ketacare.scheduling.tests.test_concurrency import thread_race;"
    "print(json.dumps(thread_race(json.loads(sys.argv[1]))))"
)


def _python(code: str, database_url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=_environment(database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _assert_one_booking(database_url: str, clinic) -> None:
    """Exactly one appointment row, one audit entry creating it, and the whole chain verifies."""
    outcome = json.loads(_python(READ_OUTCOME, database_url).strip().splitlines()[-1])
    assert outcome["appointments"] == [[clinic.chair1.pk, boston(clinic.day, 9).astimezone(dt.UTC).isoformat()]]
    assert outcome["audit_creates"] == 1
    verify = subprocess.run(
        [sys.executable, "-m", "django", "audit", "verify"],
        cwd=ROOT,
        env=_environment(database_url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr


def _booking(clinic, patient_id: int) -> dict:
    return {
        "patient_id": patient_id,
        "appointment_type_id": clinic.type(IV).pk,
        "location_id": clinic.location.pk,
        "starts_at": boston(clinic.day, 9).isoformat(),
        "chair_id": clinic.chair1.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_32_concurrent_api_bookings_on_two_server_processes(
    org, staff, patient, clinic, tmp_path, make_patient, free_port
):
    """Runs on both databases; CI's PostgreSQL run is the one the issue asks for."""
    patients = [patient] + [make_patient(org, 100 + n) for n in range(REQUESTS - 1)]
    secret = ApiToken.new_secret()
    ApiToken.objects.create(
        user=staff["front_desk"], name="race", token_sha256=ApiToken.hash(secret), prefix=secret[:8]
    )
    database_url = _shared_database_url(tmp_path)
    ports = [free_port(), free_port()]
    servers = [_start_server(port, database_url) for port in ports]
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait_until_up(port, secret, server)
        barrier = threading.Barrier(REQUESTS)

        def attempt(n: int):
            body = _booking(clinic, patients[n].pk)
            barrier.wait()
            return _call(ports[n % 2], secret, "POST", "/appointments", body)

        with ThreadPoolExecutor(REQUESTS) as pool:
            results = list(pool.map(attempt, range(REQUESTS)))
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (REQUESTS - 1), results
    for status, body in results:
        if status == 409:
            assert "Chair 1" in body["detail"] and body["detail"].startswith("Chair:")
    _assert_one_booking(database_url, clinic)


def thread_race(spec: dict) -> list[str]:
    """Book the same slot from many threads at once; each thread's own database connection."""
    from ketacare.accounts.models import User

    actor = User.objects.get(pk=spec["actor_id"])
    barrier = threading.Barrier(len(spec["bookings"]))

    def attempt(booking: dict) -> str:
        booking = {**booking, "starts_at": dt.datetime.fromisoformat(booking["starts_at"])}
        try:
            barrier.wait()
            booking_actions.do_book_appointment(actor, **booking)
            return "booked"
        except SlotConflict as exc:
            return "conflict: " + " ".join(exc.message_dict["chair"])
        finally:
            connections.close_all()

    with ThreadPoolExecutor(len(spec["bookings"])) as pool:
        return list(pool.map(attempt, spec["bookings"]))


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_in_threads(org, staff, patient, clinic, tmp_path, make_patient):
    """The same race through the action from threads of one process (a fresh process on a file
    copy for SQLite, whose in-memory test database cannot take concurrent writers)."""
    threads = 16
    patients = [patient] + [make_patient(org, 200 + n) for n in range(threads - 1)]
    spec = {"actor_id": staff["front_desk"].pk, "bookings": [_booking(clinic, p.pk) for p in patients]}
    database_url = _shared_database_url(tmp_path)
    if connection.vendor == "postgresql":
        results = thread_race(spec)
    else:
        results = json.loads(_python(RUN_THREAD_RACE, database_url, json.dumps(spec)).strip().splitlines()[-1])
    assert results.count("booked") == 1, results
    assert all("Chair 1" in r for r in results if r != "booked"), results
    _assert_one_booking(database_url, clinic)
