"""Reads of theft and loss reports: every report with the state of its deadlines, one report with
the losses booked against it."""

from dataclasses import dataclass

from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.ledger.domain.deadlines import deadline_state
from ketacare.ledger.models import LedgerEntry, TheftLossReport
from ketacare.ledger.selectors.stock import location_today
from ketacare.lib.ids import db_id_or_zero


@dataclass(frozen=True)
class ReportDue:
    report: TheftLossReport
    notice_state: str
    form_106_state: str

    @property
    def is_overdue(self) -> bool:
        return "overdue" in (self.notice_state, self.form_106_state)


def theft_loss_dashboard(user) -> list[ReportDue]:
    """Every theft/loss report of the organisation with the state of its two deadlines, overdue first."""
    require_permission(user, Permission.LEDGER_VIEW)
    rows = []
    for report in TheftLossReport.objects.filter(organisation_id=user.organisation_id).select_related("location"):
        today = location_today(report.location)
        rows.append(
            ReportDue(
                report,
                deadline_state(
                    report.written_notice_due, report.written_notice_sent_on is not None, today, soon_days=1
                ),
                deadline_state(report.form_106_due, report.form_106_filed_on is not None, today),
            )
        )
    order = {"overdue": 0, "due": 1, "upcoming": 2, "done": 3}
    return sorted(rows, key=lambda r: (min(order[r.notice_state], order[r.form_106_state]), r.report.discovered_on))


def access_theft_loss_report(user, report_id) -> TheftLossReport:
    require_permission(user, Permission.LEDGER_VIEW)
    report = (
        TheftLossReport.objects.select_related("location", "created_by")
        .filter(pk=db_id_or_zero(report_id), organisation_id=user.organisation_id)
        .first()
    )
    if report is None:
        raise Http404("No such report")
    return report


def access_theft_loss_detail(user, report_id) -> tuple[TheftLossReport, list[LedgerEntry]]:
    """A report with the losses booked against it."""
    report = access_theft_loss_report(user, report_id)
    return report, list(report.entries.select_related("vial"))
