"""Printable records (reportlab): the shared styles, the data table and the page, and the one
way text enters a Paragraph.

reportlab reads a Paragraph's text as markup, and runs it while parsing: `<img src="http://...">`
in a patient's name makes the server fetch that address, an unclosed `<b` raises (a 500), `&`
starts an entity. So every Paragraph in a printable record is made by `text()`, which escapes
&, < and > and keeps line breaks: what a person typed is printed as typed. (Plain strings in a
Table cell are drawn as they are, without markup, but do not wrap; `grid_table` makes each cell a
`text()` paragraph so that long values wrap.)
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle


@dataclass(frozen=True)
class PdfStyles:
    """The paragraph styles of every printable record (reportlab's sample sheet, named by use)."""

    title: ParagraphStyle
    heading: ParagraphStyle  # a section
    subheading: ParagraphStyle  # a part of a section, or a section of a form
    body: ParagraphStyle  # running text: wraps, with space after
    line: ParagraphStyle  # one line of a header block, no space after
    small: ParagraphStyle  # table cells
    fine: ParagraphStyle  # table cells of a wide report (many columns)


def pdf_styles() -> PdfStyles:
    sheet = getSampleStyleSheet()
    return PdfStyles(
        title=sheet["Title"],
        heading=sheet["Heading2"],
        subheading=sheet["Heading3"],
        body=sheet["BodyText"],
        line=sheet["Normal"],
        small=sheet["BodyText"].clone("small", fontSize=7.5, leading=9),
        fine=sheet["BodyText"].clone("fine", fontSize=6.5, leading=8),
    )


def text(value: object, style: ParagraphStyle) -> Paragraph:
    """`value` as literal text in a Paragraph: never markup, whoever wrote it; newlines kept."""
    return Paragraph(escape(str(value)).replace("\n", "<br/>"), style)


# A data table: ruled cells, a grey header row repeated on each page, cells aligned at the top.
GRID_TABLE_STYLE = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def grid_table(rows: Sequence[Sequence[object]], style: ParagraphStyle, widths: Sequence[float] | None = None) -> Table:
    """`rows` (the first is the header) as a data table, each cell `text()` in `style`."""
    table = Table([[text(cell, style) for cell in row] for row in rows], colWidths=widths, repeatRows=1)
    table.setStyle(GRID_TABLE_STYLE)
    return table


def render_pdf(
    story: Sequence[Flowable], *, title: str, pagesize: tuple[float, float] = letter, **margins: Any
) -> bytes:
    """The document's bytes; `margins` are SimpleDocTemplate's (leftMargin=..., topMargin=...)."""
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=pagesize, title=title, **margins).build(list(story))
    return buffer.getvalue()
