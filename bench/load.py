"""Load benchmark (issue 19, item 6): each staff page's throughput as a ratio to a bare signed-in endpoint.

    .venv/bin/python bench/load.py [--seconds 3] [--rounds 3] [--threads 4] [--workers 2] [--tree PATH]
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000   # a demo clinic already running

Without --url it builds the demo clinic in a temporary directory (SQLite, or the database DATABASE_URL
names: it must be empty), serves it with gunicorn (`--workers`, `--preload`, demo mode) under
bench/load_settings.py, which adds two bare endpoints (bench/load_urls.py, never in the product's URLs)
and an X-Bench-Queries header, and stops it at the end. `--tree` serves another checkout of KetaCare
(e.g. a `git worktree` of an older commit) with this benchmark, to compare before and after; `--seeded DIR`
keeps the seeded demo database in DIR and starts each later run from a fresh copy of it (seeding takes
minutes; SQLite only).

It signs in as the demo roles (front desk, nurse, prescriber, clinic admin; password ketacare-demo) and
then, `--rounds` times, loads each target for `--seconds` with `--threads` client threads (Python,
http.client, a new connection per request as gunicorn's sync workers close them), the bare endpoints
interleaved with the pages so that every ratio compares runs of the same moment. wrk is not needed.

Prints per target: requests per second (median of the rounds), the ratio to the bare signed-in endpoint
(median of the per-round ratios), p50 and p99 latency over all rounds, and SQL statements per request
(from X-Bench-Queries; "-" with --url); then the bare signed-in endpoint against the anonymous one, and
the gunicorn workers' memory (RSS and PSS) after the run.

On PostgreSQL, start a cluster of your own (scripts/pg-start.sh removes the directory it is given:
`PGDIR=/tmp/my-pg PGPORT=54400 scripts/pg-start.sh` prints its DATABASE_URL) and either pass that URL (an
empty database: the demo is seeded into it) or seed one database once, copy it per run (`createdb -T`) and
serve it yourself with DJANGO_SETTINGS_MODULE=load_settings and bench/ on PYTHONPATH, then use --url (the
X-Bench-Queries header still gives the query counts). Both databases keep their connections between requests
(CONN_MAX_AGE), so the bare endpoint is the app's own floor (~1 ms of a worker's CPU), not a reconnection: before
SQLite's were kept, each request reopened the file (~4 ms), which every target paid alike and which lifted every
ratio towards 1. On a shared machine the absolute rates move with the
other load and, with a load average of several times the cores, the ratios too (by a third between runs): run
it several times. Where a page's time goes is steadier measured in one process: django.test.Client signed in
with force_login, time.process_time around N requests, cProfile for the detail.
"""

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
DEMO_PASSWORD = "ketacare-demo"
ROLES = {"front_desk": "frontdesk", "nurse": "nurse", "prescriber": "prescriber", "clinic_admin": "admin"}
BARE, ANONYMOUS = "bare signed-in", "bare anonymous"


@dataclass
class Target:
    name: str
    role: str | None  # None: no session
    path: str
    latencies_s: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    queries: set[int] = field(default_factory=set)
    errors: int = 0


class Server:
    """The demo clinic served by gunicorn from `tree`, in a temporary directory."""

    def __init__(self, tree: Path, workers: int, seeded: Path | None):
        self.tree, self.workers, self.seeded = tree, workers, seeded
        self.directory = Path(tempfile.mkdtemp(prefix="ketacare-load-"))
        self.port = free_port()
        self.environment = {
            **os.environ,
            "KETACARE_DEMO_MODE": "true",
            "KETACARE_VAR_DIR": str(self.directory),
            "PYTHONPATH": os.pathsep.join([str(HERE), str(tree)]),
            "DJANGO_SETTINGS_MODULE": "load_settings",
        }
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        database = "ketacare.sqlite3"
        if self.seeded is not None and (self.seeded / database).exists():
            for name in (database, "secret_key"):
                shutil.copy2(self.seeded / name, self.directory / name)
            commands = [["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]]
        else:
            commands = [["migrate", "--noinput", "-v0"], ["seed_demo"], ["collectstatic", "--noinput", "-v0"]]
        for command in commands:
            print(f"ketacare {' '.join(command)} ...", file=sys.stderr, flush=True)
            subprocess.run(
                [sys.executable, "-m", "ketacare.cli", *command],
                env=self.environment,
                cwd=self.tree,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        if self.seeded is not None and not (self.seeded / database).exists():
            self.seeded.mkdir(parents=True, exist_ok=True)
            for name in (database, "secret_key"):
                shutil.copy2(self.directory / name, self.seeded / name)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ketacare.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--preload",
                "--log-level",
                "warning",
            ],
            env=self.environment,
            cwd=self.tree,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                request("GET", self.url, "/accounts/login/")
                return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not start")

    def worker_memory(self) -> list[tuple[int, int]]:
        """(RSS, PSS) in KiB of each gunicorn worker (the master's children)."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        sizes = []
        for pid in children:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            rss, pss = (int(re.search(rf"^{key}:\s+(\d+)", rollup, re.M)[1]) for key in ("Rss", "Pss"))
            sizes.append((rss, pss))
        return sizes

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        shutil.rmtree(self.directory, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(method: str, base_url: str, path: str, *, cookies: dict | None = None, body: dict | None = None):
    """One request on a new connection: (status, headers, body bytes)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())} if cookies else {}
    payload = None
    if body is not None:
        payload = urlencode(body)
        headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": base_url, "Referer": base_url}
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def set_cookies(headers, cookies: dict) -> None:
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]


def sign_in(base_url: str, username: str) -> dict:
    cookies: dict = {}
    status, headers, body = request("GET", base_url, "/accounts/login/")
    set_cookies(headers, cookies)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1].decode()
    form = {"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD}
    status, headers, _ = request("POST", base_url, "/accounts/login/", cookies=cookies, body=form)
    set_cookies(headers, cookies)
    if status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"could not sign in as {username} (status {status})")
    status, _, _ = request("GET", base_url, "/bench/bare/", cookies=cookies)
    if status != 200:
        raise SystemExit(f"{username}: the bare endpoint answered {status} (two-factor on? run in demo mode)")
    return cookies


def first_link(base_url: str, cookies: dict, page: str, pattern: str) -> str:
    _, _, body = request("GET", base_url, page, cookies=cookies)
    found = re.search(pattern.encode(), body)
    if found is None:
        raise SystemExit(f"no link matching {pattern} on {page}")
    return found[0].decode().replace("&amp;", "&")


def targets_for(base_url: str, sessions: dict) -> list[Target]:
    chart = first_link(base_url, sessions["nurse"], "/patients/", r"/patients/\d+/")
    week = first_link(base_url, sessions["front_desk"], "/scheduling/calendar/", r"/scheduling/calendar/locations/\d+/")
    return [
        Target(ANONYMOUS, None, "/bench/anonymous/"),
        Target(BARE, "nurse", "/bench/bare/"),
        Target("patient list", "front_desk", "/patients/"),
        Target("chart", "nurse", chart),
        Target("nurse day list", "nurse", "/sessions/"),
        Target("inbox", "front_desk", "/inquiries/"),
        Target("calendar week", "front_desk", f"{week}?view=week"),
        Target("outcome dashboard", "clinic_admin", "/measures/dashboard/"),
        Target("API patient list", "front_desk", "/api/v1/patients"),
    ]


def load(base_url: str, target: Target, cookies: dict | None, seconds: float, threads: int) -> None:
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    done = 0

    def client():
        nonlocal done
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            status, headers, _ = request("GET", base_url, target.path, cookies=cookies)
            elapsed = time.perf_counter() - started
            with lock:
                done += 1
                target.latencies_s.append(elapsed)
                if status != 200:
                    target.errors += 1
                if headers.get("X-Bench-Queries"):
                    target.queries.add(int(headers["X-Bench-Queries"]))

    started = time.monotonic()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    target.rates.append(done / (time.monotonic() - started))


def percentile_ms(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(targets: list[Target], rounds: int) -> None:
    bare = next(t for t in targets if t.name == BARE)
    print(f"{'target':<20} {'req/s':>7} {'× bare':>7} {'p50 ms':>7} {'p99 ms':>7} {'queries':>8} {'errors':>6}")
    for target in targets:
        ratio = statistics.median(target.rates[i] / bare.rates[i] for i in range(rounds))
        queries = "/".join(str(q) for q in sorted(target.queries)) or "-"
        print(
            f"{target.name:<20} {statistics.median(target.rates):>7.1f} {ratio:>7.2f} "
            f"{percentile_ms(target.latencies_s, 0.5):>7.1f} {percentile_ms(target.latencies_s, 0.99):>7.1f} "
            f"{queries:>8} {target.errors:>6}"
        )
    anonymous = next(t for t in targets if t.name == ANONYMOUS)
    signed_in = statistics.median(bare.rates[i] / anonymous.rates[i] for i in range(rounds))
    print(f"bare signed-in / bare anonymous: {signed_in:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running demo clinic (default: start one)")
    parser.add_argument("--seconds", type=float, default=3.0, help="load per target per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (without --url)")
    parser.add_argument("--tree", type=Path, default=HERE.parent, help="the KetaCare checkout to serve")
    parser.add_argument(
        "--seeded", type=Path, help="keep the seeded demo database here and start later runs from a copy of it (SQLite)"
    )
    args = parser.parse_args()
    server = None if args.url else Server(args.tree.resolve(), args.workers, args.seeded)
    try:
        if server is not None:
            server.start()
        base_url = args.url or server.url
        sessions = {role: sign_in(base_url, username) for role, username in ROLES.items()}
        targets = targets_for(base_url, sessions)
        for target in targets:  # warm-up: templates compiled, lazy imports done, idle clocks started
            request("GET", base_url, target.path, cookies=sessions.get(target.role))
        for _ in range(args.rounds):
            for target in targets:
                load(base_url, target, sessions.get(target.role), args.seconds, args.threads)
        report(targets, args.rounds)
        if server is not None:
            for number, (rss, pss) in enumerate(server.worker_memory(), 1):
                print(f"gunicorn worker {number}: RSS {rss / 1024:.0f} MiB, PSS {pss / 1024:.0f} MiB")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
