"""Billing's printed document kinds (billing/printed.py in documents/printed.py): issued invoices and payment
receipts (stored, one per row), and per patient the current statement and one superbill of all their final
charges (made on demand); each read with billing.view and printed as its page prints it."""

import datetime as dt

from ketacare.accounts.domain.roles import Permission
from ketacare.billing.actions.accounts import do_reverse_entry
from ketacare.billing.actions.charges import do_finalise_charge
from ketacare.documents.printed import printed_documents, printed_kinds
from ketacare.ledger.selectors.stock import location_today


def kind(key: str):
    (found,) = [kind for kind in printed_kinds() if kind.key == key]
    return found


def listed(key: str, organisation_id: int, **narrowed) -> list:
    return list(printed_documents(kind(key), organisation_id, **narrowed))


def test_the_kinds_and_who_reads_them():
    assert {
        k.key: (k.stored, k.patients_may_read) for k in printed_kinds() if k.permission == Permission.BILLING_VIEW
    } == {
        "invoice": (True, True),
        "receipt": (True, True),
        "statement": (False, True),
        "superbill": (False, False),
    }


def test_invoices_and_receipts_of_payments(
    patient, second_patient, other_org_patient, staff, other_staff, print_documents, pdf_text
):
    printed = print_documents(patient, staff)
    print_documents(other_org_patient, other_staff)
    organisation_id = patient.organisation_id

    ((invoice, document),) = listed("invoice", organisation_id)
    assert invoice == printed.invoice and document.title == f"Invoice {printed.invoice.number}"
    assert (document.when, document.author_ids) == (printed.invoice.issued_at, (staff["billing"].pk,))
    assert (document.page.name, document.portal_page.name) == (
        "billing:account_invoice_pdf",
        "billing_portal:invoice_pdf",
    )
    pdf = kind("invoice").render_pdf(invoice)
    assert pdf.startswith(b"%PDF") and printed.invoice.number.encode() in pdf_text(pdf)

    # The account holds the charge and the payment: only money received has a receipt.
    ((entry, document),) = listed("receipt", organisation_id)
    assert entry == printed.receipt and document.page.kwargs == {"entry_id": printed.receipt.pk}
    assert kind("receipt").render_pdf(entry).startswith(b"%PDF")
    assert listed("receipt", organisation_id, patient_ids=[second_patient.pk]) == []


def test_a_reversed_payment_keeps_its_receipt_and_counts_as_changed(patient, staff, print_documents):
    printed = print_documents(patient, staff)
    reversal = do_reverse_entry(staff["billing"], printed.receipt.pk, reason="Entered twice")
    ((entry, document),) = listed(
        "receipt", patient.organisation_id, since=reversal.posted_at - dt.timedelta(microseconds=1)
    )
    assert entry == printed.receipt and "reversed" in document.title
    assert kind("receipt").render_pdf(entry).startswith(b"%PDF")


def test_statements_and_superbills_per_patient_with_money(
    patient, second_patient, staff, portland, print_documents, make_draft_charge, pdf_text
):
    today = location_today(portland)
    printed = print_documents(patient, staff, service_date=today - dt.timedelta(days=90))
    later = do_finalise_charge(staff["billing"], make_draft_charge(patient, staff["billing"], service_date=today).pk)
    make_draft_charge(second_patient, staff["billing"])  # a draft: no statement, no superbill yet
    organisation_id = patient.organisation_id

    ((row, document),) = listed("statement", organisation_id)
    assert row == patient and (document.source_id, document.when) == (patient.pk, today)
    assert document.portal_page.name == "billing_portal:statement_pdf"
    assert kind("statement").render_pdf(row).startswith(b"%PDF")

    ((row, document),) = listed("superbill", organisation_id)
    assert row == patient and document.when == today
    assert f"{printed.charge.service_date:%Y-%m-%d} to {later.service_date:%Y-%m-%d}" in document.title
    text = pdf_text(kind("superbill").render_pdf(row))
    assert f"{printed.charge.service_date:%m/%d/%Y}".encode() in text and f"{today:%m/%d/%Y}".encode() in text
