import os
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# The demo's mail dispatcher: how often it sends the outbox, and where mail goes unless configured.
DEMO_DISPATCH_EVERY_SECONDS = 15
DEMO_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# How often the demo removes expired sessions and tokens (`ketacare housekeeping`).
DEMO_HOUSEKEEPING_EVERY_SECONDS = 3600


def start_demo_dispatcher() -> None:
    """In demo mode nobody sets up cron: run `ketacare outbox dispatch --every N` (and the FHIR bulk export
    worker, and the housekeeping) beside gunicorn.

    A child process, since this one becomes gunicorn (exec); it stops with it (Ctrl-C reaches the
    whole process group, and the loop ends when its parent is gone). Mail is printed to this
    terminal unless KETACARE_EMAIL_BACKEND says otherwise.
    """
    env = {**os.environ}
    env.setdefault("KETACARE_EMAIL_BACKEND", DEMO_EMAIL_BACKEND)
    every = str(DEMO_DISPATCH_EVERY_SECONDS)
    subprocess.Popen([sys.executable, "-m", "ketacare.cli", "outbox", "dispatch", "--every", every], env=env)
    # FHIR Bulk Data exports run the same way (fhir/bulk/worker.py).
    subprocess.Popen([sys.executable, "-m", "ketacare.cli", "fhir", "bulk-worker", "--every", every], env=env)
    housekeeping_every = str(DEMO_HOUSEKEEPING_EVERY_SECONDS)
    subprocess.Popen([sys.executable, "-m", "ketacare.cli", "housekeeping", "--every", housekeeping_every], env=env)


class Command(BaseCommand):
    help = (
        "Serve KetaCare with gunicorn (static files by WhiteNoise). In demo mode it also runs the mail "
        "dispatcher (`ketacare outbox dispatch --every 15`); in production run that from cron or systemd."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, host: str, port: int, workers: int, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "ketacare.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            # Import the app once in the master and fork the workers from it: they share its memory
            # (Django, the apps, the templates' code) instead of each importing it on its first request.
            "--preload",
            "--access-logfile",
            "-",
            "--forwarded-allow-ips",
            "127.0.0.1",
        ]
        self.stdout.write(
            f"KetaCare on http://{host}:{port}/ (database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
        )
        if settings.DEMO_MODE:
            start_demo_dispatcher()
            self.stdout.write(
                f"Mail dispatcher and bulk export worker running every {DEMO_DISPATCH_EVERY_SECONDS} s "
                "(ketacare outbox dispatch, ketacare fhir bulk-worker); expired sessions and tokens removed "
                f"every {DEMO_HOUSEKEEPING_EVERY_SECONDS // 60} min (ketacare housekeeping)"
            )
        sys.stdout.flush()
        os.execv(sys.executable, argv)
