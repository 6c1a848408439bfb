"""A consultation note as a PDF (reportlab through lib/pdf.py: every user text through `text()`):
the sections, the risk screens and candidacy evaluation it shows, the signature and the addenda."""

from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone
from reportlab.lib.units import inch
from reportlab.platypus import Spacer

from ketacare.consultations.fact_lines import candidacy_lines, risk_lines
from ketacare.consultations.models import ConsultationNote, ConsultationNoteAddendum
from ketacare.consultations.selectors import access_consultation_note_by_id, facts_of
from ketacare.lib.pdf import pdf_styles, render_pdf, text


def _at(moment, zone: ZoneInfo) -> str:
    return timezone.localtime(moment, zone).strftime("%Y-%m-%d %H:%M %Z")


def render_consultation_note_pdf(note: ConsultationNote, facts: dict, addenda: list[ConsultationNoteAddendum]) -> bytes:
    styles = pdf_styles()
    patient = note.patient
    zone = ZoneInfo(patient.zone_name)
    story = [
        text(f"Psychiatric consultation: {patient.full_name}", styles.title),
        text(
            f"{patient.record_number} · born {patient.date_of_birth:%Y-%m-%d} · {patient.organisation.name}",
            styles.line,
        ),
        text(f"Written by {note.author.display_name}, {_at(note.created_at, zone)}", styles.line),
    ]
    if note.is_locked:
        story.append(text(f"Signed by {note.signed_by.display_name}, {_at(note.signed_at, zone)}", styles.line))
    else:
        story.append(text("DRAFT: not signed", styles.heading))
    for heading, body in note.sections:
        story += [text(heading, styles.heading), text(body or "—", styles.body)]
        if heading == "Risk assessment":
            story += [text(line, styles.line) for line in risk_lines(facts)]
    story += [Spacer(1, 6), text("Candidacy evaluation", styles.heading)]
    story += [text(line, styles.line) for line in candidacy_lines(facts)]
    if addenda:
        story.append(text("Addenda", styles.heading))
        for addendum in addenda:
            story += [
                text(f"{_at(addendum.written_at, zone)}, {addendum.written_by.display_name}:", styles.subheading),
                text(addendum.text, styles.body),
            ]
    return render_pdf(
        story,
        title=f"Consultation note {patient.record_number}",
        leftMargin=0.75 * inch,
        rightMargin=0.75 * inch,
    )


def consultation_note_pdf(user, note_id: int) -> tuple[str, bytes]:
    """(file name, PDF) of the note for a reader (the read is audited as an export)."""
    note = access_consultation_note_by_id(user, note_id, export="pdf")
    pdf = render_consultation_note_pdf(note, facts_of(note), list(note.addenda.select_related("written_by")))
    return f"consultation-{note.patient.record_number}-{note.pk}.pdf", pdf


def pdf_download(filename: str, pdf: bytes) -> HttpResponse:
    """A PDF as a download (never shown inline), for the page and the API alike."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
