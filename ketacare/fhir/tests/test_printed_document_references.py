"""DocumentReference for the printed documents other apps register (documents/printed.py): signed referral
letters (reports), issued invoices and payment receipts (billing). Each is read as the page that serves its PDF
is read, the attachment is that page, and the patient sees only their own portal-readable ones."""

import datetime as dt

import pytest
from django.urls import resolve
from django.utils import timezone

from ketacare.documents.printed import printed_kinds
from ketacare.fhir.capability import capability_statement
from ketacare.fhir.export.run import operator_scope
from ketacare.fhir.registry import REGISTRY, export_rows
from ketacare.fhir.tests.test_access import ids, outcome
from ketacare.fhir.tests.test_document_references import read

DOCUMENT_TYPE_SYSTEM = "https://ketacare.org/fhir/CodeSystem/document-type"


@pytest.fixture
def printed(patient, second_patient, other_org_patient, staff, other_staff, print_documents):
    """The patient's letter, invoice and receipt; a second patient's invoice; another organisation's set."""
    documents = print_documents(patient, staff)
    second = print_documents(second_patient, staff)
    elsewhere = print_documents(other_org_patient, other_staff)
    return documents, second, elsewhere


def page_of(document: dict) -> tuple[str, str, dict]:
    """(path, view name, kwargs) of the attachment's address, under KETACARE_PUBLIC_URL."""
    path = "/" + document["content"][0]["attachment"]["url"].split("/", 3)[3]
    match = resolve(path)
    return path, match.view_name, match.kwargs


@pytest.fixture
def serves_pdf(signed_in):
    """serves_pdf(user, path): the page gives `user` a PDF."""

    def check(user, path: str) -> None:
        response = signed_in(user).get(path)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")

    return check


def test_a_signed_referral_letter_for_a_prescriber(printed, staff, fhir_get, serves_pdf):
    letter = printed[0].letter
    document = read(fhir_get, staff["prescriber"], f"referral-letter-{letter.pk}")
    assert document["type"]["coding"] == [
        {"system": DOCUMENT_TYPE_SYSTEM, "code": "referral-letter", "display": "Referral letter"}
    ]
    assert document["status"] == "current" and document["docStatus"] == "final"
    assert document["subject"] == {"reference": f"Patient/{letter.patient_id}"}
    assert document["date"] == letter.signed_at.isoformat()
    assert document["author"] == [{"reference": f"Practitioner/{staff['prescriber'].pk}"}]
    assert "Dr Rivera" in document["description"]
    path, view, kwargs = page_of(document)
    assert (view, kwargs) == ("reports:letter_pdf", {"pk": letter.pk})
    serves_pdf(staff["prescriber"], path)
    # A draft is not a document yet.
    outcome(fhir_get(staff["prescriber"], f"DocumentReference/referral-letter-{printed[0].draft_letter.pk}"), 404,
            "not-found")  # fmt: skip


def test_an_issued_invoice_and_a_receipt_for_billing(printed, staff, fhir_get, serves_pdf):
    invoice, receipt = printed[0].invoice, printed[0].receipt
    document = read(fhir_get, staff["billing"], f"invoice-{invoice.pk}")
    assert document["type"]["coding"][0] == {"system": DOCUMENT_TYPE_SYSTEM, "code": "invoice", "display": "Invoice"}
    assert document["date"] == invoice.issued_at.isoformat() and invoice.number in document["description"]
    path, view, kwargs = page_of(document)
    assert (view, kwargs) == ("billing:account_invoice_pdf", {"invoice_id": invoice.pk})
    serves_pdf(staff["billing"], path)

    document = read(fhir_get, staff["billing"], f"receipt-{receipt.pk}")
    assert document["type"]["coding"][0]["code"] == "payment-receipt"
    path, view, kwargs = page_of(document)
    assert (view, kwargs) == ("billing:account_receipt_pdf", {"entry_id": receipt.pk})
    serves_pdf(staff["billing"], path)


def test_search_by_type_category_date_and_patient(printed, staff, patient, fhir_get):
    mine, second, _ = printed
    reader = staff["clinic_admin"]  # reads letters and money
    letter, invoice, receipt = (
        f"DocumentReference/referral-letter-{mine.letter.pk}",
        f"DocumentReference/invoice-{mine.invoice.pk}",
        f"DocumentReference/receipt-{mine.receipt.pk}",
    )
    assert ids(fhir_get(reader, "DocumentReference", type=f"{DOCUMENT_TYPE_SYSTEM}|invoice")) == {
        invoice,
        f"DocumentReference/invoice-{second.invoice.pk}",
    }
    assert ids(fhir_get(reader, "DocumentReference", patient=patient.pk, type="referral-letter")) == {letter}
    assert ids(fhir_get(reader, "DocumentReference", patient=patient.pk, category="generated")) == {
        letter,
        invoice,
        receipt,
    }
    assert not ids(fhir_get(reader, "DocumentReference", type="invoice", category="uploaded"))
    tomorrow = (timezone.now() + dt.timedelta(days=1)).date()
    assert not ids(fhir_get(reader, "DocumentReference", type="payment-receipt", date=f"ge{tomorrow}"))
    assert receipt in ids(fhir_get(reader, "DocumentReference", type="payment-receipt", date=f"lt{tomorrow}"))


def test_each_is_read_as_its_page_is(printed, staff, other_staff, fhir_get):
    mine, _, elsewhere = printed
    letter = f"DocumentReference/referral-letter-{mine.letter.pk}"
    invoice = f"DocumentReference/invoice-{mine.invoice.pk}"
    receipt = f"DocumentReference/receipt-{mine.receipt.pk}"
    # Nurses read letters, not money (billing.view); billing reads money, not letters (reports.letter_view).
    outcome(fhir_get(staff["nurse"], invoice), 403, "forbidden")
    outcome(fhir_get(staff["nurse"], receipt), 403, "forbidden")
    assert read(fhir_get, staff["nurse"], f"referral-letter-{mine.letter.pk}")
    outcome(fhir_get(staff["billing"], letter), 403, "forbidden")
    assert not {invoice, receipt} & ids(fhir_get(staff["nurse"], "DocumentReference", _count=200))
    assert {invoice, receipt} <= ids(fhir_get(staff["billing"], "DocumentReference", _count=200))
    assert letter not in ids(fhir_get(staff["billing"], "DocumentReference", _count=200))
    # Another organisation's staff never find them, nor ours theirs.
    for path in (letter, invoice, receipt):
        reader = other_staff["billing"] if "letter" not in path else other_staff["prescriber"]
        outcome(fhir_get(reader, path), 404, "not-found")
    theirs = {
        f"DocumentReference/referral-letter-{elsewhere.letter.pk}",
        f"DocumentReference/invoice-{elsewhere.invoice.pk}",
        f"DocumentReference/receipt-{elsewhere.receipt.pk}",
    }
    assert not theirs & ids(fhir_get(staff["clinic_admin"], "DocumentReference", _count=200))


def test_a_patient_reads_their_own_invoices_and_receipts_at_the_portal(printed, patient, fhir_get, serves_pdf):
    mine, second, _ = printed
    seen = ids(fhir_get(patient.user, "DocumentReference", _count=200))
    assert {f"DocumentReference/invoice-{mine.invoice.pk}", f"DocumentReference/receipt-{mine.receipt.pk}"} <= seen
    assert f"DocumentReference/invoice-{second.invoice.pk}" not in seen
    assert not any("referral-letter" in seen_id for seen_id in seen)
    outcome(fhir_get(patient.user, f"DocumentReference/invoice-{second.invoice.pk}"), 404, "not-found")
    outcome(fhir_get(patient.user, f"DocumentReference/referral-letter-{mine.letter.pk}"), 403, "forbidden")
    document = read(fhir_get, patient.user, f"invoice-{mine.invoice.pk}")
    path, view, kwargs = page_of(document)
    assert (view, kwargs) == ("billing_portal:invoice_pdf", {"invoice_id": mine.invoice.pk})
    serves_pdf(patient.user, path)
    _, view, _ = page_of(read(fhir_get, patient.user, f"receipt-{mine.receipt.pk}"))
    assert view == "billing_portal:receipt_pdf"


def test_bulk_since_lists_what_changed_after_it(printed, org):
    invoices = next(source for source in REGISTRY["DocumentReference"].sources if source.key == "invoice")
    scope = operator_scope(org)
    issued = printed[0].invoice.issued_at
    assert printed[0].invoice in export_rows(invoices, scope, since=issued - dt.timedelta(seconds=1))
    assert not export_rows(invoices, scope, since=timezone.now()).exists()


def test_every_stored_printed_kind_is_served_and_listed(db):
    sources = {source.key for source in REGISTRY["DocumentReference"].sources}
    stored = {kind.key for kind in printed_kinds(stored=True)}
    assert {"referral-letter", "invoice", "receipt"} <= stored <= sources
    # Made on demand for a period: exported, never referred to.
    assert not {kind.key for kind in printed_kinds(stored=False)} & sources
    (entry,) = [r for r in capability_statement("http://testserver/fhir")["rest"][0]["resource"]
                if r["type"] == "DocumentReference"]  # fmt: skip
    type_param = next(param for param in entry["searchParam"] if param["name"] == "type")
    for kind in printed_kinds(stored=True):
        assert f"({kind.key}-<id>)" in entry["documentation"] and kind.type_code in type_param["documentation"]
