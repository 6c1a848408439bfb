"""The progress summary for the referring clinician (PDF, reportlab): sessions given, doses,
questionnaire scores over time with a chart, adverse events. Psychotherapy notes are never in it.
"""

import datetime as dt
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import user_may
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.measures.outcomes import Trend, trends_for_chart
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id
from ketacare.therapy.models import NoteStatus, ProgressNote
from ketacare.therapy.selectors import clamp_id
from ketacare.treatments.models import AdverseEvent, SessionStatus, TreatmentSession

LINE_COLOURS = [colors.HexColor(c) for c in ("#1f5f8b", "#b5472f", "#2e7d32", "#6a4c93", "#8d6e00", "#555555")]


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
        on=timezone.localtime(session.checked_in_at, zone).date(), location=session.location.name,
        route=session.route.replace("_", " "), dose_mg=f"{dose.normalize():f} mg" if dose else "—",
        status=session.get_status_display(),
    )


def access_progress_summary_by_patient_id(user, patient_id: int) -> ProgressSummary:
    """The summary's content for staff who may export the record or view sessions (audited as an export)."""
    if not (user_may(user, Permission.PATIENT_EXPORT) or user_may(user, Permission.SESSION_VIEW)):
        raise PermissionDenied("Your role may not export a progress summary.")
    patient = access_patient_by_id(user, clamp_id(patient_id), audit=False)
    record_event(user, AuditAction.EXPORT, patient, patient=patient,
                 detail={"format": "pdf", "document": "progress_summary"})
    zone = ZoneInfo(patient.zone_name)
    sessions = list(
        TreatmentSession.objects.filter(patient=patient).exclude(status=SessionStatus.CANCELLED)
        .select_related("location").prefetch_related("devices", "preparations").order_by("checked_in_at", "id")
    )
    lines = [_line(s, zone) for s in sessions]
    events = list(AdverseEvent.objects.filter(session__patient=patient).select_related("session").order_by("onset_at"))
    return ProgressSummary(
        patient=patient, prepared_by=user.get_full_name() or user.username, prepared_on=patient.today(),
        sessions=lines, trends=trends_for_chart(user, patient), adverse_events=events,
        integration_sessions=ProgressNote.objects.filter(patient=patient, status=NoteStatus.SIGNED).count(),
    )


def score_chart(trends: list[Trend], width: float = 6.5 * inch, height: float = 2.6 * inch) -> Drawing:
    """Totals of each instrument over time, one line each (x: days since the first score)."""
    drawing = Drawing(width, height)
    series = [(t.instrument.name, [(row.on, row.total) for row in t.rows]) for t in trends if t.rows]
    if not series:
        drawing.add(String(10, height / 2, "No questionnaire scores recorded.", fontSize=9))
        return drawing
    first = min(on for _, points in series for on, _ in points)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 40, 30, width - 150, height - 50
    plot.data = [[((on - first).days, total) for on, total in points] for _, points in series]
    plot.xValueAxis.valueMin = 0
    plot.xValueAxis.valueMax = max(1, max(x for line in plot.data for x, _ in line))
    plot.yValueAxis.valueMin = 0
    plot.xValueAxis.labelTextFormat = lambda days: (first + dt.timedelta(days=int(days))).strftime("%m-%d")
    for index in range(len(series)):
        plot.lines[index].strokeColor = LINE_COLOURS[index % len(LINE_COLOURS)]
        plot.lines[index].strokeWidth = 1.5
    drawing.add(plot)
    legend = Legend()
    legend.x, legend.y = width - 100, height - 20
    legend.fontSize = 8
    legend.colorNamePairs = [(LINE_COLOURS[i % len(LINE_COLOURS)], name) for i, (name, _) in enumerate(series)]
    drawing.add(legend)
    return drawing


def _table(rows: list[list[str]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8), ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def render_progress_summary_pdf(summary: ProgressSummary) -> bytes:
    styles = getSampleStyleSheet()
    patient = summary.patient
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=letter, title=f"Progress summary {patient.record_number}",
                            leftMargin=0.75 * inch, rightMargin=0.75 * inch)
    story = [
        Paragraph(f"Progress summary: {patient.full_name}", styles["Title"]),
        Paragraph(f"{patient.record_number} · born {patient.date_of_birth:%Y-%m-%d} · {patient.organisation.name}",
                  styles["Normal"]),
    ]
    if patient.referring_clinician_name:
        story.append(Paragraph(f"For {patient.referring_clinician_name}"
                               f"{', ' + patient.referring_clinician_practice if patient.referring_clinician_practice else ''}",
                               styles["Normal"]))
    story.append(Paragraph(f"Prepared {summary.prepared_on:%Y-%m-%d} by {summary.prepared_by}", styles["Normal"]))
    story += [Spacer(1, 10), Paragraph(f"Treatment sessions ({len(summary.sessions)} recorded)", styles["Heading2"])]
    if summary.sessions:
        story.append(_table([["Date", "Location", "Route", "Dose", "Status"]] + [
            [f"{s.on:%Y-%m-%d}", s.location, s.route, s.dose_mg, s.status] for s in summary.sessions
        ], [0.9 * inch, 1.8 * inch, 1.6 * inch, 0.8 * inch, 1.3 * inch]))
    else:
        story.append(Paragraph("No treatment sessions yet.", styles["Normal"]))
    if summary.integration_sessions:
        story.append(Paragraph(f"Integration therapy: {summary.integration_sessions} signed session note(s).",
                               styles["Normal"]))
    story += [Spacer(1, 10), Paragraph("Scores over time", styles["Heading2"]), score_chart(summary.trends)]
    for trend in summary.trends:
        latest = trend.latest
        if latest is None:
            continue
        baseline = next((row for row in trend.rows if row.is_baseline), None)
        text = f"{trend.instrument.name}: latest {latest.total} ({latest.severity}) on {latest.on:%Y-%m-%d}"
        if baseline is not None:
            text += f"; baseline {baseline.total} on {baseline.on:%Y-%m-%d}"
        if latest.percent_change is not None:
            text += f"; change {latest.percent_change:+.0f}%"
        story.append(Paragraph(text, styles["Normal"]))
    story += [Spacer(1, 10), Paragraph("Adverse events", styles["Heading2"])]
    if summary.adverse_events:
        zone = ZoneInfo(patient.zone_name)
        story.append(_table([["Date", "Event", "Severity", "Action taken", "Rescue medicine"]] + [
            [f"{timezone.localtime(e.onset_at, zone):%Y-%m-%d}", e.get_kind_display(), e.get_severity_display(),
             Paragraph(e.action_taken, styles["BodyText"]),
             f"{e.rescue_medicine} {e.rescue_dose_mg.normalize():f} mg" if e.rescue_dose_mg else e.rescue_medicine]
            for e in summary.adverse_events
        ], [0.9 * inch, 1.3 * inch, 0.8 * inch, 2.3 * inch, 1.1 * inch]))
    else:
        story.append(Paragraph("None recorded.", styles["Normal"]))
    doc.build(story)
    return buffer.getvalue()
