"""The progress summary as a PDF (reportlab): sessions, doses, a chart of the scores over time,
adverse events."""

import datetime as dt
import math
from zoneinfo import ZoneInfo

from django.utils import timezone
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import Spacer, Table, TableStyle

from ketacare.lib.pdf import pdf_styles, render_pdf, text
from ketacare.reports.selectors.outcomes import Trend
from ketacare.reports.selectors.progress_summary import ProgressSummary, score_lines

MAX_DATE_TICKS = 6
LINE_COLOURS = [colors.HexColor(c) for c in ("#1f5f8b", "#b5472f", "#2e7d32", "#6a4c93", "#8d6e00", "#555555")]


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
    span_days = max(1, max(x for line in plot.data for x, _ in line))
    plot.xValueAxis.valueMin = 0
    plot.xValueAxis.valueMax = span_days
    # Ticks on whole days: fractional ticks over a short range printed the same date several times.
    plot.xValueAxis.valueStep = max(1, math.ceil(span_days / MAX_DATE_TICKS))
    plot.yValueAxis.valueMin = 0
    plot.xValueAxis.labelTextFormat = lambda days: (first + dt.timedelta(days=int(days))).strftime("%m-%d")
    for index in range(len(series)):
        line = plot.lines[index]
        line.strokeColor = LINE_COLOURS[index % len(LINE_COLOURS)]
        line.strokeWidth = 1.5
        # A mark on every score: a line of one score (a single rating, or scores all on one day) has
        # no length and drew nothing.
        line.symbol = makeMarker("FilledCircle", size=4, fillColor=line.strokeColor)
    drawing.add(plot)
    legend = Legend()
    legend.x, legend.y = width - 100, height - 20
    legend.fontSize = 8
    legend.colorNamePairs = [(LINE_COLOURS[i % len(LINE_COLOURS)], name) for i, (name, _) in enumerate(series)]
    drawing.add(legend)
    return drawing


def _table(rows: list[list[object]], widths: list[float]) -> Table:
    # Plain strings in cells are drawn as they are (no markup); a Paragraph cell comes from text().
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def render_progress_summary_pdf(summary: ProgressSummary) -> bytes:
    styles = pdf_styles()
    patient = summary.patient
    story = [
        text(f"Progress summary: {patient.full_name}", styles.title),
        text(
            f"{patient.record_number} · born {patient.date_of_birth:%Y-%m-%d} · {patient.organisation.name}",
            styles.line,
        ),
    ]
    if patient.referring_clinician_name:
        practice = patient.referring_clinician_practice
        story.append(text(f"For {patient.referring_clinician_name}{', ' + practice if practice else ''}", styles.line))
    story.append(text(f"Prepared {summary.prepared_on:%Y-%m-%d} by {summary.prepared_by}", styles.line))
    story += [Spacer(1, 10), text(f"Treatment sessions ({len(summary.sessions)} recorded)", styles.heading)]
    if summary.sessions:
        story.append(
            _table(
                [["Date", "Location", "Route", "Dose", "Status"]]
                + [[f"{s.on:%Y-%m-%d}", s.location, s.route, s.dose_mg, s.status] for s in summary.sessions],
                [0.9 * inch, 1.8 * inch, 1.6 * inch, 0.8 * inch, 1.3 * inch],
            )
        )
    else:
        story.append(text("No treatment sessions yet.", styles.line))
    if summary.integration_sessions:
        story.append(text(f"Integration therapy: {summary.integration_sessions} signed session note(s).", styles.line))
    story += [Spacer(1, 10), text("Scores over time", styles.heading), score_chart(summary.trends)]
    story += [text(line, styles.line) for line in score_lines(summary)]
    story += [Spacer(1, 10), text("Adverse events", styles.heading)]
    if summary.adverse_events:
        zone = ZoneInfo(patient.zone_name)
        story.append(
            _table(
                [["Date", "Event", "Severity", "Action taken", "Rescue medicine"]]
                + [
                    [
                        f"{timezone.localtime(e.onset_at, zone):%Y-%m-%d}",
                        e.get_kind_display(),
                        e.get_severity_display(),
                        text(e.action_taken, styles.body),
                        f"{e.rescue_medicine} {e.rescue_dose_mg.normalize():f} mg"
                        if e.rescue_dose_mg
                        else e.rescue_medicine,
                    ]
                    for e in summary.adverse_events
                ],
                [0.9 * inch, 1.3 * inch, 0.8 * inch, 2.3 * inch, 1.1 * inch],
            )
        )
    else:
        story.append(text("None recorded.", styles.line))
    return render_pdf(
        story, title=f"Progress summary {patient.record_number}", leftMargin=0.75 * inch, rightMargin=0.75 * inch
    )
