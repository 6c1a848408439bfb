"""User text in a printable record is text: markup in a name or a note is printed as typed, never
run by reportlab (no image fetched from a URL, no 500 on a stray `<`)."""

import pytest
from reportlab.lib import utils as reportlab_utils
from reportlab.platypus import Paragraph

from ketacare.lib.pdf import grid_table, pdf_styles, render_pdf, text

HOSTILE = [
    '<img src="http://127.0.0.1:1/x"/>Ana',
    "<b>bold</b> <i>and</i> <font color='red'>red</font>",
    "<b",
    "Smith & Sons <3",
    "a &amp; b &#169; &nbsp; &bogus;",
    "</para><para>",
    '<a href="javascript:alert(1)">link</a>',
]


@pytest.fixture
def no_fetching(monkeypatch):
    """Fail the test if reportlab opens any resource by name (a file or a URL)."""
    opened = []

    def refuse(name, *args, **kwargs):
        opened.append(name)
        raise AssertionError(f"reportlab opened {name!r}")

    monkeypatch.setattr(reportlab_utils, "open_for_read", refuse)
    return opened


def _plain(paragraph: Paragraph) -> str:
    return "".join(getattr(frag, "text", "") for frag in paragraph.frags)


def test_raw_paragraph_markup_is_what_the_helper_guards_against(no_fetching):
    """The hazard itself: reportlab fetches the image while parsing, and a stray `<b` raises."""
    body = pdf_styles().body
    with pytest.raises(Exception, match="127.0.0.1"):
        Paragraph(HOSTILE[0], body)
    assert no_fetching == ["http://127.0.0.1:1/x"]
    with pytest.raises(ValueError):
        Paragraph("<b", body)


@pytest.mark.parametrize("value", HOSTILE)
def test_markup_is_printed_as_typed(no_fetching, value):
    paragraph = text(value, pdf_styles().body)
    assert _plain(paragraph) == value
    assert not any(getattr(frag, "cbDefn", None) for frag in paragraph.frags)  # no image, no link target
    assert no_fetching == []


def test_text_keeps_line_breaks_and_takes_any_value():
    paragraph = text("line one\nline two", pdf_styles().body)
    assert [getattr(frag, "lineBreak", False) for frag in paragraph.frags] == [False, True, False]
    assert _plain(text(56, pdf_styles().body)) == "56"


def test_a_whole_document_with_hostile_text_builds(no_fetching):
    styles = pdf_styles()
    story = [text(value, styles.body) for value in HOSTILE]
    story.append(grid_table([["Name", "Note"], *[[value, value] for value in HOSTILE]], styles.small))
    pdf = render_pdf(story, title="<b Test & title")
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    assert no_fetching == []


def test_grid_table_cells_are_text_paragraphs():
    table = grid_table([["Header"], ["<b"]], pdf_styles().fine, widths=[100])
    cells = [row[0] for row in table._cellvalues]
    assert all(isinstance(cell, Paragraph) for cell in cells)
    assert [_plain(cell) for cell in cells] == ["Header", "<b"]
    assert cells[1].style.name == "fine"
