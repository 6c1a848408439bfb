"""Referral letters as printed documents (documents/printed.py), registered in ReportsConfig.ready(): each signed
letter, read as its page is (REFERRAL_LETTER_VIEW; the portal shows patients none), is a DocumentReference and a
PDF in the clinic's export. Drafts are not documents yet."""

from ketacare.accounts.domain.roles import Permission
from ketacare.documents.printed import PageAddress, PrintedDocument, PrintedKind, register_printed_kind
from ketacare.reports.models import LetterStatus, ReferralLetter


def _signed_letters(organisation_id: int):
    return ReferralLetter.objects.filter(
        patient__organisation_id=organisation_id, patient__merged_into__isnull=True, status=LetterStatus.SIGNED
    ).select_related("patient", "patient__home_location", "signed_by")


def _letter(letter: ReferralLetter) -> PrintedDocument:
    return PrintedDocument(
        patient_id=letter.patient_id,
        record_number=letter.patient.record_number,
        source_id=letter.pk,
        title=f"Referral letter to {letter.recipient_name} (signed)",
        when=letter.signed_at,
        author_ids=tuple(dict.fromkeys((letter.author_id, letter.signed_by_id))),
        page=PageAddress("reports:letter_pdf", {"pk": letter.pk}),
    )


def _letter_pdf(letter: ReferralLetter) -> bytes:
    from ketacare.reports.letters.pdf import render_referral_letter_pdf  # reportlab loads with the first PDF

    return render_referral_letter_pdf(letter)


def register() -> None:
    register_printed_kind(
        PrintedKind(
            key="referral-letter",
            type_code="referral-letter",
            type_display="Referral letter",
            permission=Permission.REFERRAL_LETTER_VIEW,
            patients_may_read=False,
            rows=_signed_letters,
            describe=_letter,
            render_pdf=_letter_pdf,
            date_path="signed_at",
            last_updated=("signed_at",),  # a signed letter is locked (models.py)
        )
    )
