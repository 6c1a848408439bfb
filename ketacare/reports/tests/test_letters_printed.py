"""Signed referral letters are registered as a printed document kind (documents/printed.py): listed per
organisation and patient, read with the letters' own permission, printed as the letter page prints them."""

import datetime as dt

from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.documents.printed import printed_documents, printed_kinds
from ketacare.reports.letters.actions import do_create_referral_letter


def letter_kind():
    (kind,) = [kind for kind in printed_kinds() if kind.key == "referral-letter"]
    return kind


def test_signed_letters_of_the_organisation_are_printed_documents(
    patient, second_patient, other_org_patient, staff, other_staff, print_documents, pdf_text
):
    printed = print_documents(patient, staff)
    do_create_referral_letter(staff["prescriber"], second_patient.pk, recipient_name="Dr Only Draft")
    print_documents(other_org_patient, other_staff)
    kind = letter_kind()
    assert (kind.stored, kind.permission, kind.patients_may_read) == (True, Permission.REFERRAL_LETTER_VIEW, False)

    ((row, document),) = printed_documents(kind, patient.organisation_id)
    assert row == printed.letter  # the signed one: not the drafts, not another organisation's
    assert (document.patient_id, document.record_number) == (patient.pk, patient.record_number)
    assert (document.when, document.author_ids) == (printed.letter.signed_at, (staff["prescriber"].pk,))
    assert (document.page.name, document.page.kwargs, document.portal_page) == (
        "reports:letter_pdf",
        {"pk": printed.letter.pk},
        None,
    )
    pdf = kind.render_pdf(row)
    assert pdf.startswith(b"%PDF") and b"Dr Rivera" in pdf_text(pdf) and b"Electronically signed" in pdf_text(pdf)


def test_letters_are_listed_for_some_patients_and_since_a_time(patient, second_patient, staff, print_documents):
    first = print_documents(patient, staff)
    later = print_documents(second_patient, staff)
    kind = letter_kind()

    def listed(**narrowed) -> list:
        return [row for row, _ in printed_documents(kind, patient.organisation_id, **narrowed)]

    assert listed(patient_ids=[patient.pk]) == [first.letter]
    assert listed(since=first.letter.signed_at - dt.timedelta(seconds=1)) == [first.letter, later.letter]
    assert listed(since=first.letter.signed_at) == [later.letter]  # signed after it
    assert listed(since=timezone.now()) == []
