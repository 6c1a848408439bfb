"""The progress summary for the referring clinician: sessions given, doses, questionnaire scores
over time, adverse events, the number of signed integration-therapy notes. Psychotherapy notes are
never in it. Rendered as a PDF by reports/progress_summary_pdf.py.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import user_may
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.lib.ids import db_id_or_zero
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id
from ketacare.reports.selectors.outcomes import Trend, trends_for_chart
from ketacare.therapy.models import NoteStatus, ProgressNote
from ketacare.treatments.models import AdverseEvent, SessionStatus, TreatmentSession


@dataclass(frozen=True)
class SessionLine:
    on: dt.date
    location: str
    route: str
    dose_mg: str
    status: str


@dataclass(frozen=True)
class ProgressSummary:
    patient: Patient
    prepared_by: str
    prepared_on: dt.date
    sessions: list[SessionLine]
    trends: list[Trend]
    adverse_events: list[AdverseEvent]
    integration_sessions: int


def _line(session: TreatmentSession, zone: ZoneInfo) -> SessionLine:
    dose = session.dose_mg
    return SessionLine(
        on=timezone.localtime(session.checked_in_at, zone).date(),
        location=session.location.name,
        route=session.route.replace("_", " "),
        dose_mg=f"{dose.normalize():f} mg" if dose else "—",
        status=session.get_status_display(),
    )


def access_progress_summary_by_patient_id(user, patient_id: int) -> ProgressSummary:
    """The summary's content for staff who may export the record or view sessions (audited as an export)."""
    if not (user_may(user, Permission.PATIENT_EXPORT) or user_may(user, Permission.SESSION_VIEW)):
        raise PermissionDenied("Your role may not export a progress summary.")
    patient = access_patient_by_id(user, db_id_or_zero(patient_id), audit=False)
    record_event(
        user, AuditAction.EXPORT, patient, patient=patient, detail={"format": "pdf", "document": "progress_summary"}
    )
    zone = ZoneInfo(patient.zone_name)
    sessions = list(
        TreatmentSession.objects.filter(patient=patient)
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("location")
        .prefetch_related("devices", "preparations")
        .order_by("checked_in_at", "id")
    )
    lines = [_line(s, zone) for s in sessions]
    events = list(AdverseEvent.objects.filter(session__patient=patient).select_related("session").order_by("onset_at"))
    return ProgressSummary(
        patient=patient,
        prepared_by=user.display_name,
        prepared_on=patient.today(),
        sessions=lines,
        trends=trends_for_chart(user, patient),
        adverse_events=events,
        integration_sessions=ProgressNote.objects.filter(patient=patient, status=NoteStatus.SIGNED).count(),
    )


def score_lines(summary: ProgressSummary) -> list[str]:
    """Each instrument's latest score against its baseline, one line each (the PDF and referral letters)."""
    lines = []
    for trend in summary.trends:
        latest = trend.latest
        if latest is None:
            continue
        baseline = next((row for row in trend.rows if row.is_baseline), None)
        # Instruments without severity bands (CADSS, MOAA/S) have no severity to print.
        band = next((band.label for band in trend.instrument.bands if band.code == latest.severity), latest.severity)
        severity = f" ({band})" if band else ""
        line = f"{trend.instrument.name}: latest {latest.total}{severity} on {latest.on:%Y-%m-%d}"
        if latest.imported_from:  # a total from another system says so wherever it is quoted
            line += f" (imported from {latest.imported_from})"
        if baseline is not None:
            line += f"; baseline {baseline.total} on {baseline.on:%Y-%m-%d}"
        if latest.percent_change is not None:
            line += f"; change {latest.percent_change:+.0f}%"
        lines.append(line)
    return lines
