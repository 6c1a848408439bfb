"""Billing's printed documents (documents/printed.py), registered in BillingConfig.ready(): issued invoices and
the receipts of payments (stored: DocumentReferences and the clinic's export), and per patient the current
statement and one superbill of all their final charges (made on demand: the export only).

Each reads as its page does (BILLING_VIEW; the patient their own in the portal) and prints as the page prints,
with times in the patient's zone (a page uses the reader's). PDF code loads with the first render.
"""

from zoneinfo import ZoneInfo

from django.db.models import Exists, Max, Min, OuterRef, Q

from ketacare.accounts.domain.roles import Permission
from ketacare.billing.models import AccountEntry, Charge, ChargeStatus, EntryKind, Invoice, PaymentMethod
from ketacare.billing.selectors.accounts import account_of, invoice_summary
from ketacare.billing.selectors.claims import superbill_of
from ketacare.billing.selectors.insurance import patient_today
from ketacare.documents.printed import PageAddress, PrintedDocument, PrintedKind, register_printed_kind
from ketacare.patients.models import Patient

FINAL = Q(charges__status=ChargeStatus.FINAL)


def _zone(patient: Patient) -> ZoneInfo:
    return ZoneInfo(patient.zone_name)


def _invoices(organisation_id: int):
    return Invoice.objects.filter(organisation_id=organisation_id, patient__merged_into__isnull=True).select_related(
        "patient", "patient__organisation", "patient__home_location"
    )


def _invoice(invoice: Invoice) -> PrintedDocument:
    return PrintedDocument(
        patient_id=invoice.patient_id,
        record_number=invoice.patient.record_number,
        source_id=invoice.pk,
        title=f"Invoice {invoice.number}",
        when=invoice.issued_at,
        author_ids=(invoice.issued_by_id,),
        page=PageAddress("billing:account_invoice_pdf", {"invoice_id": invoice.pk}),
        portal_page=PageAddress("billing_portal:invoice_pdf", {"invoice_id": invoice.pk}),
    )


def _invoice_pdf(invoice: Invoice) -> bytes:
    from ketacare.billing.account_pdfs import invoice_pdf

    return invoice_pdf(invoice_summary(invoice), zone=_zone(invoice.patient))


def _receipts(organisation_id: int):
    # The entries a receipt is printed for (selectors.accounts.receipt_entry): money received.
    return (
        AccountEntry.objects.filter(
            organisation_id=organisation_id, patient__merged_into__isnull=True, kind=EntryKind.PAYMENT
        )
        .exclude(method=PaymentMethod.PACKAGE_CREDIT)
        .select_related("patient", "patient__organisation", "patient__home_location", "invoice", "reversed_by")
    )


def _receipt(entry: AccountEntry) -> PrintedDocument:
    return PrintedDocument(
        patient_id=entry.patient_id,
        record_number=entry.patient.record_number,
        source_id=entry.pk,
        title=f"Receipt {entry.pk}" + (" (payment reversed)" if hasattr(entry, "reversed_by") else ""),
        when=entry.posted_at,
        author_ids=(entry.posted_by_id,),
        page=PageAddress("billing:account_receipt_pdf", {"entry_id": entry.pk}),
        portal_page=PageAddress("billing_portal:receipt_pdf", {"entry_id": entry.pk}),
    )


def _receipt_pdf(entry: AccountEntry) -> bytes:
    from ketacare.billing.account_pdfs import receipt_pdf

    return receipt_pdf(entry, zone=_zone(entry.patient))


def _patients(organisation_id: int):
    return Patient.objects.filter(organisation_id=organisation_id, merged_into__isnull=True).select_related(
        "organisation", "home_location"
    )


def _with_account(organisation_id: int):
    return _patients(organisation_id).filter(Exists(AccountEntry.objects.filter(patient=OuterRef("pk"))))


def _statement(patient: Patient) -> PrintedDocument:
    return PrintedDocument(
        patient_id=patient.pk,
        record_number=patient.record_number,
        source_id=patient.pk,
        title="Statement of account",
        when=patient_today(patient),
        author_ids=(),
        page=PageAddress("billing:account_statement_pdf", {"patient_id": patient.pk}),
        portal_page=PageAddress("billing_portal:statement_pdf"),
    )


def _statement_pdf(patient: Patient) -> bytes:
    from ketacare.billing.account_pdfs import statement_pdf

    return statement_pdf(account_of(patient), zone=_zone(patient), today=patient_today(patient))


def _with_final_charges(organisation_id: int):
    return (
        _patients(organisation_id)
        .filter(Exists(Charge.objects.filter(patient=OuterRef("pk"), status=ChargeStatus.FINAL)))
        .annotate(first_service=Min("charges__service_date", filter=FINAL))
        .annotate(last_service=Max("charges__service_date", filter=FINAL))
    )


def _superbill(patient) -> PrintedDocument:
    return PrintedDocument(
        patient_id=patient.pk,
        record_number=patient.record_number,
        source_id=patient.pk,
        title=f"Superbill, services {patient.first_service:%Y-%m-%d} to {patient.last_service:%Y-%m-%d}",
        when=patient.last_service,
        author_ids=(),
        page=PageAddress("billing:superbill", {"patient_id": patient.pk}),
    )


def _superbill_pdf(patient) -> bytes:
    from ketacare.billing.claim_documents import superbill_pdf

    return superbill_pdf(superbill_of(patient, date_from=patient.first_service, date_to=patient.last_service))


def register() -> None:
    register_printed_kind(
        PrintedKind(
            key="invoice",
            type_code="invoice",
            type_display="Invoice",
            permission=Permission.BILLING_VIEW,
            patients_may_read=True,
            rows=_invoices,
            describe=_invoice,
            render_pdf=_invoice_pdf,
            date_path="issued_at",
            last_updated=("issued_at",),
        )
    )
    register_printed_kind(
        PrintedKind(
            key="receipt",
            type_code="payment-receipt",
            type_display="Payment receipt",
            permission=Permission.BILLING_VIEW,
            patients_may_read=True,
            rows=_receipts,
            describe=_receipt,
            render_pdf=_receipt_pdf,
            date_path="posted_at",
            last_updated=("posted_at", "reversed_by__posted_at"),
        )
    )
    register_printed_kind(
        PrintedKind(
            key="statement",
            type_code="statement",
            type_display="Statement of account",
            permission=Permission.BILLING_VIEW,
            patients_may_read=True,
            rows=_with_account,
            describe=_statement,
            render_pdf=_statement_pdf,
            last_updated=("account_entries__posted_at",),
            patient_path="pk",
            stored=False,
        )
    )
    register_printed_kind(
        PrintedKind(
            key="superbill",
            type_code="superbill",
            type_display="Superbill",
            permission=Permission.BILLING_VIEW,
            patients_may_read=False,  # the portal prints none: billing hands it over
            rows=_with_final_charges,
            describe=_superbill,
            render_pdf=_superbill_pdf,
            last_updated=("charges__finalised_at", "account_entries__posted_at"),
            patient_path="pk",
            stored=False,
        )
    )
