"""`ketacare rems due` and `ketacare rems form-pdf`.

due: the REMS dashboard on the command line — monitoring forms (and discharged esketamine sessions
without one) not yet submitted, overdue first; `--fail-on-overdue` exits 1 when any is overdue
(for a daily cron). form-pdf: the printable monitoring form. Both act as `--as-user` (checked
against the role matrix and audited like the pages); bad arguments exit 2 naming the option.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from ketacare.lib.commands import fail
from ketacare.rems.pdf import render_form_pdf
from ketacare.rems.selectors import access_form_for_print, rems_dashboard


class Command(BaseCommand):
    help = "Esketamine REMS tools: `rems due`, `rems form-pdf`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        due = sub.add_parser("due", help="Monitoring forms due within the deadline and overdue")
        due.add_argument("--as-user", required=True, help="Username of the staff member asking (REMS view)")
        due.add_argument("--fail-on-overdue", action="store_true", help="Exit 1 when any form is overdue")
        pdf = sub.add_parser("form-pdf", help="The printable monitoring form")
        pdf.add_argument("--as-user", required=True, help="Username of the staff member asking (REMS view)")
        pdf.add_argument("--form", required=True, help="Form id")
        pdf.add_argument("--output", required=True, help="File to write")

    def handle(self, *args, subcommand, as_user, **options):
        user = get_user_model().objects.filter(username=as_user, is_active=True).first()
        if user is None:
            fail(f"--as-user: no active user {as_user!r}")
        try:
            if subcommand == "due":
                return self._due(user, options["fail_on_overdue"])
            return self._pdf(user, options["form"], options["output"])
        except PermissionDenied as error:
            fail(f"--as-user: {error}")

    def _due(self, user, fail_on_overdue: bool):
        dashboard = rems_dashboard(user)
        for title, rows in (("overdue", dashboard.overdue), ("due", dashboard.due)):
            self.stdout.write(f"{title}: {len(rows)}")
            for row in rows:
                what = f"form {row.form.pk} ({row.form.status})" if row.form else f"session {row.session_id} (no form)"
                self.stdout.write(
                    f"  {row.deadline} {row.patient.record_number} {row.patient.full_name} "
                    f"at {row.location.name}, treated {row.treatment_date}: {what}"
                )
        if fail_on_overdue and dashboard.overdue:
            raise CommandError(f"{len(dashboard.overdue)} monitoring form(s) overdue", returncode=1)

    def _pdf(self, user, form_id: str, output: str):
        if not form_id.isdigit():
            fail("--form: give the form's id (a number)")
        try:
            form = access_form_for_print(user, int(form_id))
        except Http404:
            fail(f"--form: no monitoring form {form_id} for this user")
        try:
            with open(output, "wb") as handle:
                handle.write(render_form_pdf(form))
        except OSError as error:
            fail(f"--output: {error.strerror}")
        self.stdout.write(f"wrote {output}")
