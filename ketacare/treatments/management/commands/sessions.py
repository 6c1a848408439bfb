"""`ketacare sessions day` and `ketacare sessions record`.

day: a location's treatment appointments of one day with their sessions' status.
record: one session's record as a PDF (audited as an export by --as-user).
Bad arguments exit 2 with a message naming the option.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand
from django.http import Http404
from django.utils import timezone

from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.lib.commands import fail
from ketacare.lib.ids import is_db_id
from ketacare.treatments.record_pdf import session_record_pdf
from ketacare.treatments.selectors import access_location_by_id, access_session_by_id, day_list


def _id(value: str, option: str) -> int:
    try:
        number = int(value)
    except ValueError:
        fail(f"{option}: give an id (a number).")
    if not is_db_id(number):
        fail(f"{option}: no such id {value}.")
    return number


class Command(BaseCommand):
    help = "Treatment sessions: a location's day list, or one session's record as a PDF"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        day = sub.add_parser("day", help="A location's treatment appointments of one day and their sessions")
        day.add_argument("--location", required=True, help="Location id")
        day.add_argument("--date", default="", help="YYYY-MM-DD (default: today at the location)")
        day.add_argument("--as-user", required=True, help="Username of a staff member who may view sessions")
        record = sub.add_parser("record", help="One session's record as a PDF")
        record.add_argument("--session", required=True, help="Session id")
        record.add_argument("--output", required=True, help="File to write")
        record.add_argument("--as-user", required=True, help="Username of a staff member who may view sessions")

    def handle(self, *args, subcommand: str, **options):
        user = get_user_model().objects.filter(username=options["as_user"], is_active=True).first()
        if user is None:
            fail(f"--as-user: no active user {options['as_user']!r}.")
        try:
            if subcommand == "day":
                return self._day(user, options)
            return self._record(user, options)
        except PermissionDenied as exc:
            fail(f"--as-user: {exc}")

    def _day(self, user, options):
        try:
            location = access_location_by_id(user, _id(options["location"], "--location"))
        except Http404:
            fail(f"--location: no location {options['location']} in {user.username}'s clinic.")
        try:
            on = (
                dt.date.fromisoformat(options["date"])
                if options["date"]
                else timezone.now().astimezone(location.zone).date()
            )
        except ValueError:
            fail("--date: give a date as YYYY-MM-DD.")
        rows = day_list(user, location, on)
        for row in rows:
            appointment = row.appointment
            status = f"session {row.session.pk} {row.session.status}" if row.session else "not started"
            self.stdout.write(
                f"{appointment.starts_at.astimezone(location.zone):%H:%M}  appointment {appointment.pk}  "
                f"{appointment.patient.record_number}  {appointment.appointment_type.name}  {status}"
            )
        self.stdout.write(f"{len(rows)} treatment appointments at {location.name} on {on.isoformat()}")

    def _record(self, user, options):
        try:
            session = access_session_by_id(user, _id(options["session"], "--session"), audit=False)
        except Http404:
            fail(f"--session: no session {options['session']} in {user.username}'s clinic.")
        content = session_record_pdf(session)
        try:
            with open(options["output"], "wb") as handle:
                handle.write(content)
        except OSError as exc:
            fail(f"--output: cannot write {options['output']}: {exc.strerror}.")
        record_event(
            user,
            AuditAction.EXPORT,
            session,
            patient=session.patient,
            detail={"format": "pdf", "via": "ketacare sessions record"},
        )
        self.stdout.write(f"wrote the record of session {session.pk} to {options['output']}")
