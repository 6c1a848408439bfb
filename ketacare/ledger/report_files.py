"""A ledger report (selectors/reports.py) as the file it is exported as: CSV or PDF (reportlab)."""

import csv
import io

from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.units import inch
from reportlab.platypus import Spacer

from ketacare.ledger.selectors.reports import LedgerReport
from ketacare.lib.pdf import grid_table, pdf_styles, render_pdf, text

FORMATS = ("csv", "pdf")


def report_csv(report: LedgerReport) -> str:
    """CSV with the report's header lines first (as `# ` comment rows), then a column row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in [report.title, *report.header_lines]:
        writer.writerow([f"# {line}"])
    writer.writerow(report.columns)
    writer.writerows(report.rows)
    return buffer.getvalue()


def report_pdf(report: LedgerReport) -> bytes:
    styles = pdf_styles()
    story = [text(report.title, styles.title)]
    story += [text(line, styles.body) for line in report.header_lines]
    story.append(Spacer(1, 0.15 * inch))
    if report.rows:
        columns = [column.replace("_", " ") for column in report.columns]
        story.append(grid_table([columns, *report.rows], styles.fine))
    else:
        story.append(text("No entries.", styles.body))
    return render_pdf(
        story,
        title=report.title,
        pagesize=landscape(letter),
        leftMargin=0.4 * inch,
        rightMargin=0.4 * inch,
        topMargin=0.5 * inch,
        bottomMargin=0.5 * inch,
    )
