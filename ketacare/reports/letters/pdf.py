"""A referral letter as a PDF (lib/pdf.py: every user text through `text()`): the letterhead, the
recipient, the body as written and the signature."""

from zoneinfo import ZoneInfo

from django.utils import timezone
from reportlab.lib.units import inch
from reportlab.platypus import Spacer

from ketacare.lib.pdf import pdf_styles, render_pdf, text
from ketacare.reports.letters.selectors import access_referral_letter_by_id
from ketacare.reports.models import ReferralLetter


def render_referral_letter_pdf(letter: ReferralLetter) -> bytes:
    styles = pdf_styles()
    patient = letter.patient
    zone = ZoneInfo(patient.zone_name)
    story = [text(letter.letterhead_name, styles.heading)]
    if letter.letterhead_address:
        story.append(text(letter.letterhead_address, styles.line))
    if letter.letterhead_phone:
        story.append(text(f"Phone {letter.letterhead_phone}", styles.line))
    story += [Spacer(1, 18), text(letter.recipient_name, styles.line)]
    if letter.recipient_address:
        story.append(text(letter.recipient_address, styles.line))
    story += [
        Spacer(1, 12),
        text(f"Re: {patient.full_name}, born {patient.date_of_birth:%Y-%m-%d} ({patient.record_number})", styles.line),
        Spacer(1, 12),
    ]
    story += [text(paragraph, styles.body) for paragraph in letter.body.split("\n\n")]
    story.append(Spacer(1, 12))
    if letter.is_locked:
        signed_at = timezone.localtime(letter.signed_at, zone).strftime("%Y-%m-%d %H:%M %Z")
        story.append(text(f"Electronically signed by {letter.signed_by.display_name}, {signed_at}", styles.line))
    else:
        story.append(text("DRAFT: not signed", styles.heading))
    return render_pdf(
        story,
        title=f"Referral letter {patient.record_number}",
        leftMargin=inch,
        rightMargin=inch,
        topMargin=0.75 * inch,
    )


def referral_letter_pdf(user, letter_id: int) -> tuple[str, bytes]:
    """(file name, PDF) for a reader (audited as an export)."""
    letter = access_referral_letter_by_id(user, letter_id, export="pdf")
    return f"letter-{letter.patient.record_number}-{letter.pk}.pdf", render_referral_letter_pdf(letter)
