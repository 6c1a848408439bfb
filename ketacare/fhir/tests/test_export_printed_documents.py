"""`ketacare export` writes every printed document kind (documents/printed.py) beside the record's own PDFs:
signed referral letters, invoices, receipts, and per patient the current statement and one superbill of all
their final charges, each a PDF with its documents.csv row."""

import csv
import datetime as dt
import hashlib
import json

from django.core.management import call_command

from ketacare.ledger.selectors.stock import location_today


def test_the_export_writes_letters_invoices_receipts_statements_and_superbills(
    patient, other_org_patient, staff, other_staff, org, portland, print_documents, tmp_path
):
    # Longer ago than the superbill page's default 30 days: the export's covers all final charges.
    printed = print_documents(patient, staff, service_date=location_today(portland) - dt.timedelta(days=40))
    print_documents(other_org_patient, other_staff)
    outdir = tmp_path / "out"
    call_command("export", str(outdir), "--format", "csv", "--organisation", org.slug)

    with (outdir / "documents.csv").open(newline="") as stream:
        rows = {(row["kind"], row["source_id"]): row for row in csv.DictReader(stream)}
    expected = {
        ("referral_letter", printed.letter.pk): f"referral-letter-{printed.letter.pk}.pdf",
        ("invoice", printed.invoice.pk): f"invoice-{printed.invoice.pk}.pdf",
        ("receipt", printed.receipt.pk): f"receipt-{printed.receipt.pk}.pdf",
        ("statement", patient.pk): f"statement-{patient.pk}.pdf",
        ("superbill", patient.pk): f"superbill-{patient.pk}.pdf",
    }
    for (kind, source_id), filename in expected.items():
        row = rows[(kind, str(source_id))]
        assert row["file"] == f"documents/{patient.pk}/{filename}" and not row["problem"]
        assert (row["patient_id"], row["record_number"]) == (str(patient.pk), patient.record_number)
        assert row["content_type"] == "application/pdf" and row["title"]
        content = (outdir / row["file"]).read_bytes()
        assert content.startswith(b"%PDF")
        assert (len(content), hashlib.sha256(content).hexdigest()) == (int(row["size_bytes"]), row["sha256"])
    # The superbill covers all the final charges; a draft letter is not a document; theirs are not ours.
    assert printed.charge.service_date.isoformat() in rows[("superbill", str(patient.pk))]["title"]
    assert ("referral_letter", str(printed.draft_letter.pk)) not in rows
    assert {row["patient_id"] for row in rows.values()} == {str(patient.pk)}
    counts = json.loads((outdir / "manifest.json").read_text())["documents"]["counts"]
    assert {kind: counts[kind] for kind, _ in expected} == dict.fromkeys(
        ("referral_letter", "invoice", "receipt", "statement", "superbill"), 1
    )
